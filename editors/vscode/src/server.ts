// Finds the backend-brain binary: the setting, else the binary bundled for this platform, else PATH.
import * as fs from 'fs';
import * as path from 'path';

const EXE = process.platform === 'win32' ? 'backend-brain.exe' : 'backend-brain';

export interface Resolved {
  /** The binary to run, or undefined when none was found. */
  command?: string;
  /** Where it came from, or what was looked at when nothing was found. */
  origin: string;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d.length > 0);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

export function resolveServer(setting: string, extensionPath: string): Resolved {
  const configured = setting.trim();
  if (configured.length > 0) {
    const expanded = configured.startsWith('~/')
      ? path.join(process.env.HOME ?? '', configured.slice(2))
      : configured;
    if (path.isAbsolute(expanded) || expanded.includes('/') || expanded.includes('\\')) {
      return isExecutable(expanded)
        ? { command: expanded, origin: 'the backendBrain.serverPath setting' }
        : { origin: `backendBrain.serverPath (${configured}): no executable file there` };
    }
    const found = onPath(expanded);
    return found
      ? { command: found, origin: 'the backendBrain.serverPath setting' }
      : { origin: `backendBrain.serverPath (${configured}): not found on PATH` };
  }
  const bundled = [
    path.join(extensionPath, 'bin', `${process.platform}-${process.arch}`, EXE),
    path.join(extensionPath, 'bin', EXE),
  ];
  for (const candidate of bundled) {
    if (isExecutable(candidate)) {
      return { command: candidate, origin: 'the binary bundled with the extension' };
    }
  }
  const found = onPath(EXE);
  if (found) {
    return { command: found, origin: 'PATH' };
  }
  return { origin: `no bundled binary for ${process.platform}-${process.arch} and none on PATH` };
}
