/** An API key and the version range the broker advertises for it (ApiVersions). */
export interface AdvertisedApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * The APIs and versions to put in an ApiVersions response, sorted by key: exactly the handler
 * table's, so the broker never advertises an API it lacks (Kafka protocol: ApiVersions).
 */
export function advertisedApisOf(handlers: readonly { readonly api: AdvertisedApi }[]): AdvertisedApi[] {
  return handlers.map((h) => ({ apiKey: h.api.apiKey, minVersion: h.api.minVersion, maxVersion: h.api.maxVersion })).sort((a, b) => a.apiKey - b.apiKey);
}
