// HMAC-SHA256 (Web Crypto) keyed by the upload secret: what signs upload tickets and the gateway's session
// bindings alike. Every MAC is made for a labelled purpose, so one made
// for a ticket never verifies as a session binding, and comparisons are constant-time.
import { timingSafeEqual } from "@std/crypto/timing-safe-equal";
import { encodeBase64Url } from "@std/encoding/base64url";

const encoder = new TextEncoder();

/** Signs and checks messages with one secret; the key is imported once, on first use. */
export class Signer {
  #secret: string;
  #key: Promise<CryptoKey> | undefined;
  #secretMac: Promise<Uint8Array> | undefined;

  constructor(secret: string) {
    this.#secret = secret;
  }

  async #mac(label: string, message: string): Promise<Uint8Array> {
    this.#key ??= crypto.subtle.importKey(
      "raw",
      encoder.encode(this.#secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const signature = await crypto.subtle.sign(
      "HMAC",
      await this.#key,
      encoder.encode(`docspace-upload/${label}\0${message}`),
    );
    return new Uint8Array(signature);
  }

  /** The base64url MAC of `message` for `label`. */
  async sign(label: string, message: string): Promise<string> {
    return encodeBase64Url(await this.#mac(label, message));
  }

  /** Whether `mac` is the MAC of `message` for `label`, compared in constant time. */
  async verify(label: string, message: string, mac: string): Promise<boolean> {
    const expected = encoder.encode(await this.sign(label, message));
    const given = encoder.encode(mac);
    return expected.length === given.length &&
      timingSafeEqual(expected, given);
  }

  /** Whether `value` is the secret itself; both are MACed first, so the comparison leaks neither length. */
  async isSecret(value: string): Promise<boolean> {
    this.#secretMac ??= this.#mac("secret", this.#secret);
    return timingSafeEqual(
      await this.#mac("secret", value),
      await this.#secretMac,
    );
  }
}
