#!/usr/bin/env node
// Derives pkg/analytics/testdata/anomaly/kpi/*.csv.gz from the AIOps Challenge 2018 KPI
// files as copied in microsoft/anomalydetector at commit b2687ac3d995d0eb8dd1411c3ed161e96e241b7e
// (srcnn/Train/<id>.csv and srcnn/Test/<id>.csv: timestamp,value,label per minute or per
// five minutes). Each KPI's train and test halves are joined and summed into hours:
// value = the mean of the hour's points (empty when the hour has none), labelled_minutes =
// the minutes of the hour its operators labelled anomalous.
//
//   git -C anomalydetector archive b2687ac srcnn/Train srcnn/Test | tar -x -C /tmp/kpi
//   node scripts/anomaly-corpus-kpi.mjs /tmp/kpi/srcnn pkg/analytics/testdata/anomaly/kpi
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: node scripts/anomaly-corpus-kpi.mjs SRCNN_DIR OUT_DIR');
  process.exit(2);
}
const ids = fs
  .readdirSync(path.join(src, 'Train'))
  .filter((f) => f.endsWith('.csv'))
  .map((f) => f.slice(0, -4));
for (const id of ids) {
  const rows = [];
  for (const part of ['Train', 'Test']) {
    const lines = fs
      .readFileSync(path.join(src, part, `${id}.csv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    for (const line of lines) {
      const [t, v, label] = line.split(',');
      rows.push([Number(t), Number(v), Number(label)]);
    }
  }
  const stepMinutes = (rows[1][0] - rows[0][0]) / 60;
  const hours = new Map();
  for (const [t, v, label] of rows) {
    const h = Math.floor(t / 3600);
    const e = hours.get(h) ?? { sum: 0, n: 0, labelled: 0 };
    e.sum += v;
    e.n++;
    e.labelled += label;
    hours.set(h, e);
  }
  const keys = [...hours.keys()].sort((a, b) => a - b);
  let csv = 'time,value,labelled_minutes\n';
  for (let h = keys[0]; h <= keys[keys.length - 1]; h++) {
    const e = hours.get(h);
    const time = `${new Date(h * 3600e3).toISOString().slice(0, 13)}:00Z`;
    csv += e
      ? `${time},${Number((e.sum / e.n).toPrecision(5))},${Math.min(60, e.labelled * stepMinutes)}\n`
      : `${time},,0\n`;
  }
  fs.writeFileSync(path.join(out, `kpi-${id.slice(0, 8)}.csv.gz`), zlib.gzipSync(csv, { level: 9 }));
}
