/**
 * Home paths like real AEM's: random node names (`/home/groups/q/qVup8Li_CQUqgh_VyAE6`), so that a
 * client computing them from ids fails. Deterministic per (seed, kind, id) so runs are repeatable.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const NAME_LENGTH = 20;

/** FNV-1a, 32 bit: a seed from a string. */
const hash = (text: string): number => {
  let h = 0x811c9dc5;
  for (const char of text) {
    h ^= char.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};

/** mulberry32: a small deterministic generator. */
const generator = (seed: number): (() => number) => {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export function homeFor(seed: string, kind: 'user' | 'group', id: string, taken: (home: string) => boolean): string {
  for (let attempt = 0; ; attempt += 1) {
    const next = generator(hash(`${seed}|${kind}|${id}|${attempt}`));
    let name = '';
    // Node names start with a letter, like AEM's; the folder is that first letter.
    name += ALPHABET.charAt(Math.floor(next() * 52));
    for (let i = 1; i < NAME_LENGTH; i += 1) name += ALPHABET.charAt(Math.floor(next() * ALPHABET.length));
    const home = `/home/${kind === 'user' ? 'users' : 'groups'}/${name.charAt(0)}/${name}`;
    if (!taken(home)) return home;
  }
}
