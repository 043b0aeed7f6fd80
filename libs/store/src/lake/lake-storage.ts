import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

/** Where lake files live. Paths are relative, with `/` separators (see lake-layout). */
export interface LakeStorage {
  /** Where the lake is, for people: a directory or an s3:// URL. */
  readonly location: string;
  /** Replaces the file at `path` as a whole: readers see the old file or the new one. */
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** The file's bytes, or undefined when there is no such file. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Every file under `prefix`, sorted; none when the prefix does not exist. */
  list(prefix: string): Promise<string[]>;
}

/** A lake in a local directory (the default). */
export class LocalLakeStorage implements LakeStorage {
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const target = this.resolve(path);
    await mkdir(dirname(target), { recursive: true });
    // Written aside, then renamed over the old file: rename is atomic on one file system.
    const aside = `${target}.${process.pid}.tmp`;
    await writeFile(aside, bytes);
    await rename(aside, target);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.resolve(path)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.resolve(prefix);
    let entries: string[];
    try {
      entries = (await readdir(base, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
        .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries.sort();
  }

  private resolve(path: string): string {
    const full = join(this.root, ...path.split('/'));
    if (relative(this.root, full).startsWith('..'))
      throw new Error(`lake path ${path} is outside the lake`);
    return full;
  }
}
