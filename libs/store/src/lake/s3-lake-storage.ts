import { resolve } from 'node:path';
import {
  GetObjectCommand,
  ListObjectsCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { LakeConfig, LakeS3Config } from '@ctxb/config';
import { LocalLakeStorage, type LakeStorage } from './lake-storage';

/**
 * A lake in an S3 bucket, under a key prefix: the same paths as on disk
 * (`events/dt=…/hour=…/part-00000.parquet`). A PUT replaces an object whole, so readers see
 * the old file or the new one, as with the local rename.
 */
export class S3LakeStorage implements LakeStorage {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
  ) {}

  get location(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  static fromConfig(s3: LakeS3Config): S3LakeStorage {
    const client = new S3Client({
      region: s3.region,
      forcePathStyle: s3.forcePathStyle,
      ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    });
    return new S3LakeStorage(client, s3.bucket, s3.prefix);
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(path),
        Body: bytes,
        ContentType: 'application/vnd.apache.parquet',
      }),
    );
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }),
      );
      return object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey')
        return undefined;
      throw error;
    }
  }

  /**
   * Every object under the folder `prefix`, as lake paths, sorted. Listings come in key order,
   * a page at a time; each page asks for the keys after the last one seen (the Marker of the
   * original listing call, which AWS and every S3-compatible store implement alike; some
   * stores' V2 continuation tokens do not work).
   */
  async list(prefix: string): Promise<string[]> {
    const folder = prefix === '' ? this.prefix : `${this.key(prefix).replace(/\/+$/, '')}/`;
    const paths: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListObjectsCommand({ Bucket: this.bucket, Prefix: folder, Marker: after }),
      );
      const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => !!k);
      for (const key of keys) paths.push(key.slice(this.prefix.length));
      if (!page.IsTruncated || keys.length === 0) break;
      after = keys[keys.length - 1];
    }
    return paths.sort();
  }

  private key(path: string): string {
    if (path.split('/').some((part) => part === '..' || part === '.'))
      throw new Error(`lake path ${path} is outside the lake`);
    return `${this.prefix}${path}`;
  }
}

/** The lake the configuration names: its S3 bucket when one is set, else its directory. */
export function lakeStorageOf(lake: LakeConfig): LakeStorage {
  return lake.s3.bucket
    ? S3LakeStorage.fromConfig(lake.s3)
    : new LocalLakeStorage(resolve(lake.directory));
}
