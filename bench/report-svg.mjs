// Plain SVG charts for docs/benchmarks.md: no library, fixed size, text labels with values.

const W = 640;
const H = 320;
const M = { top: 36, right: 20, bottom: 56, left: 84 };
const COLORS = ['#3b6ea5', '#d07a2c', '#4c9a58', '#a0439a'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
/** Height of one line of value labels (px): labels closer than this overprint. */
const LABEL_GAP = 11;

/**
 * Round axis ticks from 0 to at least `max`: a step of 1, 2, 2.5 or 5 times a power of ten giving
 * at most 6 intervals. Returns { step, top, ticks } in the data's units.
 */
export function niceTicks(max) {
  const target = Math.max(max, 1e-9) / 5;
  const power = 10 ** Math.floor(Math.log10(target));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((x) => x >= target);
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks = [];
  for (let i = 0; i * step <= top + step / 1e6; i++) ticks.push(Math.round(i * step * 1e9) / 1e9);
  return { step, top, ticks };
}

/**
 * One number format for a chart whose values reach `max` and whose axis steps by `step`: the same
 * suffix (M for millions, k for thousands, none below) for ticks and value labels, ticks with the
 * decimals the step needs, value labels with three significant digits of `max`, `unit` appended to
 * ticks (e.g. ' ms').
 */
export function chartFormat(max, step, unit = '') {
  const [div, suffix] = max >= 1e6 ? [1e6, 'M'] : max >= 1e4 ? [1e3, 'k'] : [1, ''];
  const decimalsFor = (x) => Math.max(0, Math.min(3, -Math.floor(Math.log10(x / div) + 1e-9)));
  // Steps like 2.5 need one more decimal than their power of ten.
  const tickDecimals = Number.isInteger(Math.round((step / div) * 1e6) / 1e6 / 10 ** -decimalsFor(step)) ? decimalsFor(step) : decimalsFor(step) + 1;
  const labelDecimals = Math.max(0, Math.min(3, 2 - Math.floor(Math.log10(Math.max(max, 1e-9) / div))));
  return {
    tick: (v) => `${(v / div).toFixed(v === 0 ? 0 : tickDecimals)}${v === 0 ? '' : suffix}${unit}`,
    label: (v) => `${(v / div).toFixed(labelDecimals)}${suffix}`,
  };
}

/**
 * Moves labels ({ y } in px, larger is lower) apart so no two are closer than LABEL_GAP, keeping
 * their order and staying as near their wanted places as a top-down sweep allows; returns new y's
 * in the input order.
 */
export function spreadLabels(ys, gap = LABEL_GAP) {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y);
  for (let k = 1; k < order.length; k++) if (order[k].y - order[k - 1].y < gap) order[k].y = order[k - 1].y + gap;
  const out = [];
  for (const o of order) out[o.i] = o.y;
  return out;
}

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

function frame(title, yLabel, yAxis, format, body, legend) {
  const ih = H - M.top - M.bottom;
  const ticks = yAxis.ticks.map((v) => {
    const y = M.top + ih - (v / yAxis.top) * ih;
    return `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#ddd"/><text x="${M.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${format.tick(v)}</text>`;
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

/**
 * Grouped bars: categories on x, one bar per series, each with its value above it; values null are
 * left out. `yUnit` is appended to the y ticks (e.g. ' ms').
 */
export function barChart({ title, yLabel, categories, series, yUnit = '' }) {
  const dataMax = Math.max(1, ...series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined)));
  // Headroom above the tallest bar for its value label.
  const yAxis = niceTicks(dataMax * 1.08);
  const maxY = yAxis.top;
  const format = chartFormat(dataMax, yAxis.step, yUnit);
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
      bars.push(`<rect x="${x}" y="${y}" width="${barW - 2}" height="${h}" fill="${colorOf(s, si)}"/><text x="${x + barW / 2}" y="${y - 3}" text-anchor="middle" font-size="10">${format.label(v)}</text>`);
    });
    bars.push(`<text x="${M.left + ci * groupW + groupW / 2}" y="${M.top + ih + 16}" text-anchor="middle" font-size="11">${esc(c)}</text>`);
  });
  return frame(title, yLabel, yAxis, format, bars.join('\n'), series.map((s, i) => ({ name: s.name, color: colorOf(s, i) })));
}

/**
 * Lines over numeric x; points { x, y } with y null left out, each labelled with its value (labels
 * at one x pushed apart so none overprints). A series may give `colorIndex` (default its position)
 * and `dashed` (a variant of another series drawn in the same color). `yUnit` is appended to the y
 * ticks (e.g. ' ms'); x ticks are round values of the x axis, not the points' x.
 */
export function lineChart({ title, xLabel, yLabel, series, yUnit = '' }) {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const xAxis = niceTicks(Math.max(1, ...xs));
  const xFormat = chartFormat(Math.max(1, ...xs), xAxis.step);
  const ys = series.flatMap((s) => s.points.map((p) => p.y).filter((y) => y !== null && y !== undefined));
  const yAxis = niceTicks(Math.max(1, ...ys) * 1.05);
  const format = chartFormat(Math.max(1, ...ys), yAxis.step, yUnit);
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  // Room right of the last x for its labels.
  const px = (x) => M.left + (x / xAxis.top) * (iw - 36);
  const py = (y) => M.top + ih - (y / yAxis.top) * ih;
  const drawn = series.map((s, si) => ({ s, color: colorOf(s, si), pts: s.points.filter((p) => p.y !== null && p.y !== undefined) }));
  // Value labels sit right of their point; labels at the same x are spread apart vertically.
  const labels = drawn.flatMap(({ color, pts }) => pts.map((p) => ({ x: p.x, y: py(p.y) + 4, text: format.label(p.y), color })));
  for (const x of new Set(labels.map((l) => l.x))) {
    const column = labels.filter((l) => l.x === x);
    spreadLabels(column.map((l) => l.y)).forEach((y, i) => (column[i].y = y));
  }
  const body = drawn.map(({ s, color, pts }) => {
    const path = pts.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)} ${py(p.y).toFixed(1)}`).join(' ');
    const dots = pts.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>${dots.join('')}`;
  });
  // Labels of the first x go left of their points, where no line runs; the others right. A white
  // halo keeps a label readable where a line crosses it.
  const firstX = Math.min(...labels.map((l) => l.x));
  const labelSvg = labels.map((l) => {
    const left = l.x === firstX && labels.some((o) => o.x !== firstX);
    return `<text x="${(px(l.x) + (left ? -6 : 6)).toFixed(1)}" y="${l.y.toFixed(1)}" font-size="10" fill="${l.color}"${left ? ' text-anchor="end"' : ''} stroke="white" stroke-width="3" paint-order="stroke">${esc(l.text)}</text>`;
  });
  const xTicks = xAxis.ticks.map((x) => `<line x1="${px(x).toFixed(1)}" y1="${M.top + ih}" x2="${px(x).toFixed(1)}" y2="${M.top + ih + 4}" stroke="#999"/><text x="${px(x).toFixed(1)}" y="${M.top + ih + 16}" text-anchor="middle" font-size="10">${xFormat.tick(x)}</text>`);
  return frame(title, yLabel, yAxis, format, `${body.join('\n')}\n${labelSvg.join('\n')}\n${xTicks.join('\n')}\n<text x="${M.left + iw / 2}" y="${M.top + ih + 34}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`, series.map((s, i) => ({ name: s.name, color: colorOf(s, i), dashed: s.dashed === true })));
}
