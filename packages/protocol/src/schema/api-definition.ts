import { messageCodec, type MessageCodec } from './message-codec.js';
import type { MessageSpec } from './spec.js';

/**
 * One Kafka API as the broker and client see it: its key, the version range we advertise in
 * ApiVersions (README table of ../shared/kafka-protocol), the first flexible version upstream
 * (which decides header versions), and the body codecs.
 */
export interface ApiDefinition<Req, Res> {
  /** e.g. 0 */
  readonly apiKey: number;
  /** e.g. 'Produce' */
  readonly name: string;
  /** Lowest advertised version. */
  readonly minVersion: number;
  /** Highest advertised version; never advertise a version not fully implemented. */
  readonly maxVersion: number;
  /** First flexible version upstream (request header v2 / response header v1 from here on). */
  readonly flexibleFrom: number;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  /** The request schema (fields with their upstream version ranges). */
  readonly requestSpec: MessageSpec;
  /** The response schema. */
  readonly responseSpec: MessageSpec;
}

/** Fields of `defineApi`: an `ApiDefinition` with specs in place of codecs. */
export interface ApiDefinitionOptions {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly flexibleFrom: number;
  readonly requestSpec: MessageSpec;
  readonly responseSpec: MessageSpec;
}

/** Builds an `ApiDefinition`, compiling codecs from the request and response specs. */
export function defineApi<Req, Res>(options: ApiDefinitionOptions): ApiDefinition<Req, Res> {
  return {
    ...options,
    request: messageCodec<Req>(options.requestSpec),
    response: messageCodec<Res>(options.responseSpec),
  };
}
