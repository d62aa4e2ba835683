import type { RunResult } from './open-loop.js';

const WIDTH = 760;
const HEIGHT = 420;
const PAD = { left: 60, right: 190, top: 30, bottom: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
/** The latency axis is logarithmic: p50s under a millisecond and saturated p99s of seconds share it. */
const Y_MIN_MS = 0.1;

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function scales(series: Record<string, RunResult[]>) {
  const runs = Object.values(series).flat();
  const xMax = Math.max(...runs.map((r) => r.rate)) * 1.05;
  const yMax = Math.max(10, ...runs.map((r) => r.p99));
  const decades = Math.ceil(Math.log10(yMax / Y_MIN_MS));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  return {
    x: (rate: number) => PAD.left + (rate / xMax) * plotW,
    y: (ms: number) => PAD.top + plotH - (Math.log10(Math.max(ms, Y_MIN_MS) / Y_MIN_MS) / decades) * plotH,
    xMax,
    decades,
  };
}

function axes(s: ReturnType<typeof scales>): string[] {
  const out: string[] = [];
  const bottom = HEIGHT - PAD.bottom;
  out.push(`<line x1="${PAD.left}" y1="${bottom}" x2="${WIDTH - PAD.right}" y2="${bottom}" stroke="#000"/>`);
  out.push(`<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${bottom}" stroke="#000"/>`);
  const step = s.xMax > 6000 ? 2000 : 1000;
  for (let rate = 0; rate <= s.xMax; rate += step) {
    const x = s.x(rate).toFixed(1);
    out.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle">${rate}</text>`);
  }
  for (let d = 0; d <= s.decades; d++) {
    const ms = Y_MIN_MS * 10 ** d;
    const y = s.y(ms).toFixed(1);
    out.push(`<line x1="${PAD.left}" y1="${y}" x2="${WIDTH - PAD.right}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${ms}</text>`);
  }
  out.push(
    `<text x="${(PAD.left + WIDTH - PAD.right) / 2}" y="${HEIGHT - 12}" text-anchor="middle">offered load (calls/s)</text>`,
  );
  out.push(
    `<text transform="translate(16 ${HEIGHT / 2}) rotate(-90)" text-anchor="middle">latency (ms, log scale)</text>`,
  );
  return out;
}

/** Latency (p50 dashed, p99 solid) against offered load, one colour per system, as a standalone SVG. */
export function latencyPlot(title: string, series: Record<string, RunResult[]>): string {
  const s = scales(series);
  const out = axes(s);
  Object.entries(series).forEach(([name, runs], i) => {
    const colour = COLOURS[i % COLOURS.length];
    for (const [field, dash] of [
      ['p99', ''],
      ['p50', ' stroke-dasharray="5 4"'],
    ] as const) {
      const points = runs.map((r) => `${s.x(r.rate).toFixed(1)},${s.y(r[field]).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    }
    const y = PAD.top + 10 + i * 20;
    const x = WIDTH - PAD.right + 12;
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${colour}" stroke-width="3"/>`);
    out.push(`<text x="${x + 30}" y="${y}" dominant-baseline="middle">${xmlText(name)}</text>`);
  });
  const legendY = PAD.top + 10 + Object.keys(series).length * 20;
  out.push(
    `<text x="${WIDTH - PAD.right + 12}" y="${legendY + 6}" font-size="11">solid p99, dashed p50</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="${PAD.left}" y="18" font-size="14" font-weight="bold">${xmlText(title)}</text>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
