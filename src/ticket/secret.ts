// UPLOAD_SECRET is the gateway's whole credential, and every ticket is a MAC made with it that anyone holding
// the ticket can test guesses against offline. So a secret must be long and look random: at least 24
// characters, 12 of them distinct, and an estimated 100 bits (the characters' Shannon entropy times the
// length; `openssl rand -base64 32` gives about 210).

/** The shortest upload secret accepted, in characters. */
export const MIN_SECRET_LENGTH = 24;
/** The fewest distinct characters an upload secret may have. */
export const MIN_SECRET_DISTINCT = 12;
/** The least estimated entropy of an upload secret, in bits. */
export const MIN_SECRET_BITS = 100;

/** The secret's estimated entropy in bits: its characters' Shannon entropy times its length. */
export function estimatedBits(secret: string): number {
  const characters = [...secret];
  const counts = new Map<string, number>();
  for (const character of characters) {
    counts.set(character, (counts.get(character) ?? 0) + 1);
  }
  let perCharacter = 0;
  for (const count of counts.values()) {
    const p = count / characters.length;
    perCharacter -= p * Math.log2(p);
  }
  return perCharacter * characters.length;
}

/** What is wrong with a secret (never the secret itself), or undefined when it is good enough. */
export function weakSecret(secret: string): string | undefined {
  const how = "make one with `openssl rand -base64 32`";
  const characters = [...secret];
  if (characters.length < MIN_SECRET_LENGTH) {
    return `UPLOAD_SECRET must be at least ${MIN_SECRET_LENGTH} characters long (it has ${characters.length}); ${how}`;
  }
  const distinct = new Set(characters).size;
  const bits = estimatedBits(secret);
  if (distinct < MIN_SECRET_DISTINCT || bits < MIN_SECRET_BITS) {
    return `UPLOAD_SECRET looks too easy to guess (${distinct} distinct characters, about ${
      Math.floor(bits)
    } bits; at least ${MIN_SECRET_DISTINCT} and ${MIN_SECRET_BITS} are required): anyone with a ticket can test guesses against it offline; ${how}`;
  }
  return undefined;
}
