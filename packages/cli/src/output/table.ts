/**
 * A plain-text table, columns left-aligned and padded to their widest cell, two spaces apart,
 * as Kafka's `kafka-topics` and `kafka-consumer-groups` print them. Ends with a newline.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  return (
    cells
      .map((row) =>
        row
          .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
