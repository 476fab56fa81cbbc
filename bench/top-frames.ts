/**
 * The hottest frames of a CPU profile: `node --cpu-prof` writes a .cpuprofile;
 * this prints self time per function and per package, as bench/README.md
 * quotes them, and with a frame name the call paths that lead to it.
 * Usage: npx ts-node --transpile-only bench/top-frames.ts <file> [count] [frame name]
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
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, count = '15', traced] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: bench/top-frames.ts <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byFrame = new Map<string, number>();
const byPackage = new Map<string, number>();
const parents = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parents.set(child, node.id);
const byPath = new Map<string, number>();
let total = 0;

const short = (frame: CallFrame) =>
  `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(dist|src)\//, '$1/')}:${frame.lineNumber + 1}`;

/** The nearest callers of a sample, innermost first. */
function pathOf(id: number, depth = 10): string {
  const names: string[] = [];
  for (
    let at: number | undefined = id;
    at !== undefined && names.length < depth;
    at = parents.get(at)
  ) {
    const frame = nodes.get(at)?.callFrame;
    if (frame && frame.functionName !== '(root)') names.push(short(frame));
  }
  return names.join('\n          ← ');
}

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
  if (traced !== undefined && frame.functionName === traced) {
    const path = pathOf(id);
    byPath.set(path, (byPath.get(path) ?? 0) + time);
  }
});

const top = (map: Map<string, number>, limit: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, time]) => `${((100 * time) / total).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');

if (traced !== undefined) {
  console.log(`call paths to ${traced}:\n${top(byPath, Number(count))}\n`);
}
console.log(
  `self time by frame:\n${top(byFrame, Number(count))}\n\nby package:\n${top(byPackage, 12)}`,
);
