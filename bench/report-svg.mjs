// Plain SVG charts for docs/benchmarks.md: no library, fixed size, text labels with values.

const W = 640;
const H = 320;
const M = { top: 36, right: 20, bottom: 56, left: 84 };
const COLORS = ['#3b6ea5', '#d07a2c', '#4c9a58', '#a0439a'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : `${Math.round(v * 100) / 100}`);

const colorOf = (s, i) => COLORS[(s.colorIndex ?? i) % COLORS.length];

/**
 * The legend's entries ({ name, color, dashed }) laid out left to right in rows that fit the
 * width (about 6.5 px per character of 11 px text); returns the SVG and the height it adds below
 * the first row (px).
 */
function legendRows(entries) {
  const rows = [[]];
  let x = M.left;
  for (const e of entries) {
    const width = 14 + e.name.length * 6.5 + 18;
    if (x + width > W - M.right && rows[rows.length - 1].length > 0) {
      rows.push([]);
      x = M.left;
    }
    rows[rows.length - 1].push({ ...e, x });
    x += width;
  }
  const svg = rows.flatMap((row, r) =>
    row.map((e) => {
      const y = H - 18 + r * 16;
      const mark = e.dashed
        ? `<line x1="${e.x}" y1="${y + 5}" x2="${e.x + 10}" y2="${y + 5}" stroke="${e.color}" stroke-width="2" stroke-dasharray="3 2"/>`
        : `<rect x="${e.x}" y="${y}" width="10" height="10" fill="${e.color}"/>`;
      return `${mark}<text x="${e.x + 14}" y="${y + 9}" font-size="11">${esc(e.name)}</text>`;
    }),
  );
  return { svg: svg.join('\n'), extraHeight: (rows.length - 1) * 16 };
}

function frame(title, yLabel, maxY, body, legend) {
  const ih = H - M.top - M.bottom;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = M.top + ih - f * ih;
    return `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#ddd"/><text x="${M.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${fmt(f * maxY)}</text>`;
  });
  const leg = legendRows(legend);
  const height = H + leg.extraHeight;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">
<rect width="${W}" height="${height}" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>
<text transform="translate(16 ${M.top + ih / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(yLabel)}</text>
${ticks.join('\n')}
${body}
${leg.svg}
</svg>
`;
}

/** Grouped bars: categories on x, one bar per series; values null are left out. */
export function barChart({ title, yLabel, categories, series }) {
  const maxY = Math.max(1, ...series.flatMap((s) => s.values.filter((v) => v !== null))) * 1.1;
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const groupW = iw / categories.length;
  const barW = (groupW * 0.7) / series.length;
  const bars = [];
  categories.forEach((c, ci) => {
    series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === null || v === undefined) return;
      const h = (v / maxY) * ih;
      const x = M.left + ci * groupW + groupW * 0.15 + si * barW;
      const y = M.top + ih - h;
      bars.push(`<rect x="${x}" y="${y}" width="${barW - 2}" height="${h}" fill="${COLORS[si]}"/><text x="${x + barW / 2}" y="${y - 3}" text-anchor="middle" font-size="10">${fmt(v)}</text>`);
    });
    bars.push(`<text x="${M.left + ci * groupW + groupW / 2}" y="${M.top + ih + 16}" text-anchor="middle" font-size="11">${esc(c)}</text>`);
  });
  return frame(title, yLabel, maxY, bars.join('\n'), series.map((s, i) => ({ name: s.name, color: colorOf(s, i) })));
}

/**
 * Lines over numeric x; points { x, y } with y null left out. A series may give `colorIndex`
 * (default its position) and `dashed` (a variant of another series drawn in the same color).
 */
export function lineChart({ title, xLabel, yLabel, series }) {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const maxX = Math.max(1, ...xs) * 1.05;
  const maxY = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.y).filter((y) => y !== null))) * 1.1;
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const px = (x) => M.left + (x / maxX) * iw;
  const py = (y) => M.top + ih - (y / maxY) * ih;
  const body = series.map((s, si) => {
    const pts = s.points.filter((p) => p.y !== null);
    const path = pts.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)} ${py(p.y).toFixed(1)}`).join(' ');
    const color = colorOf(s, si);
    const dots = pts.map((p) => `<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${color}"/><text x="${px(p.x) + 4}" y="${py(p.y) - 5}" font-size="10">${fmt(p.y)}</text>`);
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>${dots.join('')}`;
  });
  const xTicks = [...new Set(xs)].map((x) => `<text x="${px(x)}" y="${M.top + ih + 16}" text-anchor="middle" font-size="10">${fmt(x)}</text>`);
  return frame(title, yLabel, maxY, `${body.join('\n')}\n${xTicks.join('\n')}\n<text x="${M.left + iw / 2}" y="${M.top + ih + 34}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`, series.map((s, i) => ({ name: s.name, color: colorOf(s, i), dashed: s.dashed === true })));
}
