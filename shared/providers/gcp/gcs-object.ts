import type { Bucket } from '@google-cloud/storage';
import { gcpCall, httpStatusOf } from './gcp-call.ts';

/*
 * Small JSON objects in the state bucket that brokerlink changes by read-modify-write (the cluster lock, the port
 * ledger): read an object together with its generation, then write it only if that generation is still current
 * (`ifGenerationMatch`; 0 = the object must not exist). Cloud Storage checks the precondition and writes in one
 * atomic step, so of any writers that read the same generation exactly one write succeeds; the others get 412.
 */

export interface VersionedText {
  text: string;
  /** The object generation the text belongs to (the precondition of the next write). */
  generation: number;
}

/** The object's text and generation, or null when there is no object (two calls: metadata, then that generation). */
export async function readVersioned(bucket: Bucket, name: string): Promise<VersionedText | null> {
  return gcpCall('storage.objects.get', async () => {
    for (;;) {
      let generation: number;
      try {
        const [metadata] = await bucket.file(name).getMetadata();
        generation = Number(metadata.generation);
      } catch (error) {
        if (httpStatusOf(error) === 404) return null;
        throw error;
      }
      try {
        // That exact generation: the content and the generation the next write is conditioned on belong together.
        const [content] = await bucket.file(name, { generation }).download();
        return { text: content.toString('utf8'), generation };
      } catch (error) {
        if (httpStatusOf(error) !== 404) throw error;
        // Rewritten (or deleted) between the two reads: read again.
      }
    }
  });
}

/** The object's text (one call), or null when there is no object. */
export async function readText(bucket: Bucket, name: string): Promise<string | null> {
  return gcpCall('storage.objects.get', async () => {
    try {
      const [content] = await bucket.file(name).download();
      return content.toString('utf8');
    } catch (error) {
      if (httpStatusOf(error) === 404) return null;
      throw error;
    }
  });
}

/**
 * Writes under a generation precondition (0: must not exist): the written object's generation (from the insert's
 * answer), or undefined when someone else wrote first (412).
 */
export async function writeIfGeneration(
  bucket: Bucket,
  name: string,
  text: string,
  generation: number,
  contentType = 'application/json',
): Promise<number | undefined> {
  return gcpCall('storage.objects.insert', async () => {
    const file = bucket.file(name);
    try {
      await file.save(text, {
        resumable: false,
        contentType,
        preconditionOpts: { ifGenerationMatch: generation },
      });
    } catch (error) {
      if (httpStatusOf(error) === 412) return undefined;
      throw error;
    }
    const written = Number(file.metadata.generation);
    if (!Number.isSafeInteger(written) || written <= 0) {
      throw new TypeError(`storage.objects.insert of ${name} answered no object generation`);
    }
    return written;
  });
}

/** Deletes under a generation precondition; false when the object changed (412) or is gone already (404). */
export async function deleteIfGeneration(bucket: Bucket, name: string, generation: number): Promise<boolean> {
  return gcpCall('storage.objects.delete', async () => {
    try {
      await bucket.file(name).delete({ ifGenerationMatch: generation });
      return true;
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 412 || status === 404) return false;
      throw error;
    }
  });
}
