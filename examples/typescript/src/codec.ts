/**
 * momoflow's payload encryption (AES-256-GCM with key ids), written from its documented format.
 *
 * A client must encrypt what it sends and decrypt what it reads exactly as the worker does,
 * or the worker cannot read the input and the client cannot read the result:
 *
 *   metadata: { "encoding": "binary/encrypted", "encryption-key-id": <key id, UTF-8> }
 *   data:     nonce (12 random bytes) || AES-256-GCM ciphertext || GCM tag (16 bytes)
 *
 * The plaintext is the whole original Payload (metadata and data) serialized as a
 * `temporal.api.common.v1.Payload` protobuf message; the associated data is the key id.
 * Payloads without the "binary/encrypted" encoding are passed through unchanged.
 */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCODING = 'binary/encrypted';
export const KEY_ID = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_ID_CHARS = /^[A-Za-z0-9]+$/;

const ProtoPayload = temporal.api.common.v1.Payload;

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** Read `CODEC_KEYS`: `kid:base64key,kid:base64key`; the first encrypts, all decrypt. */
export function parseKeys(spec: string): CodecKey[] {
  const keys: CodecKey[] = [];
  for (const item of spec.split(',').map((part) => part.trim())) {
    if (!item) continue;
    const colon = item.indexOf(':');
    const id = colon < 0 ? '' : item.slice(0, colon);
    const encoded = item.slice(colon + 1);
    if (colon < 0 || !KEY_ID_CHARS.test(id)) {
      throw new Error("CODEC_KEYS: each entry must be 'key-id:base64-key' with a letters-and-digits key id");
    }
    if (!BASE64.test(encoded)) throw new Error(`CODEC_KEYS: key '${id}' is not valid base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new Error(`CODEC_KEYS: key '${id}' must be 32 bytes (AES-256), got ${key.length}`);
    }
    keys.push({ id, key });
  }
  if (keys.length === 0) throw new Error("CODEC_KEYS: at least one 'key-id:base64-key' entry is required");
  return keys;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly active: CodecKey;
  private readonly byId: Map<string, Buffer>;

  constructor(keys: CodecKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.active = keys[0];
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  static fromSpec(spec: string): EncryptionCodec {
    return new EncryptionCodec(parseKeys(spec));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = ProtoPayload.encode(payload).finish();
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.active.key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(this.active.id, 'utf8'));
      const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: Buffer.from(ENCODING, 'utf8'),
          [KEY_ID]: Buffer.from(this.active.id, 'utf8'),
        },
        data: Buffer.concat([nonce, sealed]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || Buffer.from(encoding).toString('utf8') !== ENCODING) {
        return payload; // written before encryption was enabled
      }
      const rawId = payload.metadata?.[KEY_ID];
      const id = rawId ? Buffer.from(rawId).toString('utf8') : '';
      const key = this.byId.get(id);
      if (key === undefined) throw new Error(`payload encrypted with key '${id}', which is not in CODEC_KEYS`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < NONCE_BYTES + TAG_BYTES) throw new Error(`payload encrypted with key '${id}' is truncated`);
      const nonce = data.subarray(0, NONCE_BYTES);
      const tag = data.subarray(data.length - TAG_BYTES);
      const body = data.subarray(NONCE_BYTES, data.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(id, 'utf8'));
      decipher.setAuthTag(tag);
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        throw new Error(`payload encrypted with key '${id}' failed authentication`);
      }
      const decoded = ProtoPayload.decode(plain);
      return { metadata: decoded.metadata ?? {}, data: decoded.data ?? new Uint8Array() };
    });
  }
}
