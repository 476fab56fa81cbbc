/**
 * The hottest frames of a CPU profile: `node --cpu-prof` writes a .cpuprofile;
 * this prints self time per function and per package, as bench/README.md
 * quotes them. Usage: npx ts-node --transpile-only bench/top-frames.ts <file> [count]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, count = '15'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: bench/top-frames.ts <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byFrame = new Map<string, number>();
const byPackage = new Map<string, number>();
let total = 0;

profile.samples.forEach((id, index) => {
  const frame = nodes.get(id)?.callFrame;
  const time = profile.timeDeltas[index] ?? 0;
  if (frame === undefined) return;
  total += time;
  const where = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(dist|src)\//, '$1/');
  const name = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
  byFrame.set(name, (byFrame.get(name) ?? 0) + time);
  const area =
    where === ''
      ? '(native)'
      : where.startsWith('@')
        ? where.split('/').slice(0, 2).join('/')
        : where.split(/[/:]/)[0];
  byPackage.set(area, (byPackage.get(area) ?? 0) + time);
});

const top = (map: Map<string, number>, limit: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, time]) => `${((100 * time) / total).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');

console.log(
  `self time by frame:\n${top(byFrame, Number(count))}\n\nby package:\n${top(byPackage, 12)}`,
);
