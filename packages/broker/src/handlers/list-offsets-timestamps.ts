/** ListOffsets timestamp sentinels (Kafka `ListOffsetsRequest`): the high watermark, logStartOffset. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
