/** Longest legal topic name (Kafka `Topic.MAX_NAME_LENGTH`). */
export const MAX_TOPIC_NAME_LENGTH = 249;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/**
 * Kafka's topic name rules (`org.apache.kafka.common.internals.Topic.validate`): 1 to 249
 * characters of `[a-zA-Z0-9._-]`, and not `.` or `..`. Returns the reason a name is invalid,
 * or null when it is valid (the caller answers INVALID_TOPIC_EXCEPTION 17).
 */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return 'topic name is empty';
  if (name === '.' || name === '..') return "topic name cannot be '.' or '..'";
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!LEGAL.test(name)) return 'topic name contains characters other than ASCII alphanumerics, ., _ and -';
  return null;
}
