#!/usr/bin/env node
// Writes ceremony/tests/data/rng_vectors.json: outputs of ffjavascript 0.3.1's ChaCha and fromRng
// maps and of snarkjs 0.7.6's hashToG2, getRandomRng, rngFromBeaconParams and formatHash, taken
// from the real modules of the pinned install (scripts/install-snarkjs.sh). The Rust port in
// ceremony/src/rng.rs is checked against this file by ceremony/tests/rng_vectors.rs, which never
// runs node.
//
//   node ceremony/tests/data/make_rng_vectors.js [OUT.json]
//
// snarkjs is found through $VERINFER_SNARKJS (path of the `snarkjs` binary,
// DIR/node_modules/.bin/snarkjs) or the default install folder of scripts/install-npm.sh.
//
// Encodings in the JSON: field elements and coordinates are standard (not Montgomery) integers
// as decimal strings; `*_mont_hex` are the little-endian Montgomery bytes ffjavascript holds
// (hex); G1 points are [x, y], G2 points [[x.c0, x.c1], [y.c0, y.c1]], all affine; byte strings
// are lowercase hex; u32 words are JSON numbers. `next_u32_after` is the next word of the stream
// after the listed draws and `words_used` the number of u32 words each draw took: they check that
// Rust consumes exactly as many words as ffjavascript (rejection sampling in fromRng, the extra
// word and the retries of the curve maps).
"use strict";

const path = require("path");
const fs = require("fs");
const os = require("os");
const crypto = require("crypto");
const { pathToFileURL } = require("url");

function snarkjsNodeModules() {
    const bin =
        process.env.VERINFER_SNARKJS ||
        path.join(os.homedir(), ".cache/verinfer/npm/node_modules/.bin/snarkjs");
    // bin is DIR/node_modules/.bin/snarkjs (a symlink: do not resolve it).
    const nm = path.dirname(path.dirname(bin));
    const pkg = path.join(nm, "snarkjs/package.json");
    if (!fs.existsSync(pkg)) {
        throw new Error(`snarkjs not found next to ${bin}; run scripts/install-snarkjs.sh`);
    }
    return nm;
}

const NM = snarkjsNodeModules();
const imp = (rel) => import(pathToFileURL(path.join(NM, rel)).href);

function versionOf(name) {
    return JSON.parse(fs.readFileSync(path.join(NM, name, "package.json"), "utf8")).version;
}

const hex = (b) => Buffer.from(b).toString("hex");
const fromHex = (s) => new Uint8Array(Buffer.from(s, "hex"));

async function main() {
    const out = process.argv[2] || path.join(__dirname, "rng_vectors.json");
    if (versionOf("snarkjs") !== "0.7.6") throw new Error("need snarkjs 0.7.6");
    if (versionOf("ffjavascript") !== "0.3.1") throw new Error("need ffjavascript 0.3.1");

    // The ES modules snarkjs's sources are built from; the CLI runs their CommonJS rollups
    // (build/*.cjs), checked below to give the same draws.
    const ff = await imp("ffjavascript/main.js");
    const misc = await imp("snarkjs/src/misc.js");
    const keypair = await imp("snarkjs/src/keypair.js");
    const ffCjs = require(path.join(NM, "ffjavascript/build/main.cjs"));
    const { ChaCha } = ff;
    // A ChaCha that counts the words drawn from it.
    const counted = (seed) => {
        const rng = new ChaCha(seed);
        const next = rng.nextU32.bind(rng);
        rng.used = 0;
        rng.nextU32 = () => {
            rng.used++;
            return next();
        };
        return rng;
    };
    const draws = (rng, n, f) => {
        const values = [];
        const used = [];
        for (let i = 0; i < n; i++) {
            const before = rng.used;
            values.push(f(rng));
            used.push(rng.used - before);
        }
        return [values, used];
    };

    const curve = await ff.buildBn128(true);
    const { Fr, F1, F2, G1, G2 } = curve;

    const fr = (a) => Fr.toObject(a).toString(10);
    const fq = (a) => F1.toObject(a).toString(10);
    const fq2 = (a) => [fq(a.slice(0, F1.n8)), fq(a.slice(F1.n8))];
    const g1 = (p) => {
        const a = G1.toAffine(p);
        if (G1.isZero(a)) throw new Error("unexpected G1 infinity");
        return [fq(a.slice(0, F1.n8)), fq(a.slice(F1.n8))];
    };
    const g2 = (p) => {
        const a = G2.toAffine(p);
        if (G2.isZero(a)) throw new Error("unexpected G2 infinity");
        return [fq2(a.slice(0, F2.n8)), fq2(a.slice(F2.n8))];
    };
    const frDraw = (rng) => {
        const a = Fr.fromRng(rng);
        return { value: fr(a), mont_hex: hex(a) };
    };

    const v = {
        generator: "ceremony/tests/data/make_rng_vectors.js",
        versions: { snarkjs: versionOf("snarkjs"), ffjavascript: versionOf("ffjavascript"), node: process.version },
        encoding:
            "field elements and coordinates: standard integers, decimal strings; *_mont_hex: LE Montgomery bytes; " +
            "G1 [x, y]; G2 [[x.c0, x.c1], [y.c0, y.c1]]; affine; bytes: hex",
    };

    // 1. Raw ChaCha words.
    const seeds = [
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0x00000001, 0xffffffff, 0x80000000, 0x7fffffff, 0xdeadbeef, 0x01234567, 0x89abcdef, 0xfedcba98],
    ];
    v.chacha = seeds.map((seed) => {
        const rng = new ChaCha(seed);
        const u32 = [];
        for (let i = 0; i < 40; i++) u32.push(rng.nextU32());
        const u64 = [];
        for (let i = 0; i < 4; i++) u64.push(rng.nextU64().toString(10));
        return { seed, first_u32: u32, then_u64: u64 };
    });

    // 2. fromRng maps, each from a fresh stream.
    function drawSeed(tag) {
        const h = crypto.createHash("sha256").update(tag).digest();
        const s = [];
        for (let i = 0; i < 8; i++) s.push(h.readUInt32BE(i * 4));
        return s;
    }
    {
        const seed = drawSeed("verinfer rng vectors: Fr");
        const rng = counted(seed);
        const [values, words_used] = draws(rng, 5, frDraw);
        v.fr_from_rng = { seed, values, words_used, next_u32_after: rng.nextU32() };
    }
    {
        const seed = drawSeed("verinfer rng vectors: G1");
        const rng = counted(seed);
        const [points, words_used] = draws(rng, 3, (r) => g1(G1.fromRng(r)));
        v.g1_from_rng = { seed, points, words_used, next_u32_after: rng.nextU32() };
    }
    {
        const seed = drawSeed("verinfer rng vectors: G2");
        const rng = counted(seed);
        const [points, words_used] = draws(rng, 3, (r) => g2(G2.fromRng(r)));
        v.g2_from_rng = { seed, points, words_used, next_u32_after: rng.nextU32() };

        // The CommonJS rollup (what the snarkjs CLI runs) must agree.
        const cjsCurve = await ffCjs.buildBn128(true);
        const rngC = new ffCjs.ChaCha(seed);
        for (let i = 0; i < 3; i++) {
            const [x, y] = cjsCurve.G2.toObject(cjsCurve.G2.toAffine(cjsCurve.G2.fromRng(rngC)));
            const got = [x.map(String), y.map(String)];
            if (JSON.stringify(got) !== JSON.stringify(v.g2_from_rng.points[i])) {
                throw new Error("ffjavascript's CommonJS and ES module G2.fromRng differ");
            }
        }
        await cjsCurve.terminate();
    }

    // 3. keypair.hashToG2 for 64-byte transcripts.
    const transcripts = [
        new Uint8Array(64),
        Uint8Array.from({ length: 64 }, (_, i) => i),
        new Uint8Array(crypto.createHash("sha512").update("verinfer transcript").digest()),
    ];
    v.hash_to_g2 = transcripts.map((t) => ({ transcript_hex: hex(t), point: g2(keypair.hashToG2(curve, t)) }));

    // 4. `zkey contribute`'s rng: misc.getRandomRng(entropy) with the 64 OS bytes fixed by
    // replacing crypto.randomFillSync for the call; draws in zkey_contribute.js's order.
    {
        const osRandom = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
        const entropy = "verinfer test entropy: ünïcödé ✓ 🦀";
        const saved = crypto.randomFillSync;
        crypto.randomFillSync = (a) => {
            if (a.length !== 64) throw new Error("unexpected randomFillSync length");
            a.set(osRandom);
            return a;
        };
        let rng;
        try {
            rng = await misc.getRandomRng(entropy);
        } finally {
            crypto.randomFillSync = saved;
        }
        const seedHash = new Uint8Array(
            crypto.createHash("blake2b512").update(osRandom).update(Buffer.from(entropy, "utf8")).digest(),
        );
        const prvKey = Fr.fromRng(rng);
        const g1_s = G1.toAffine(G1.fromRng(rng));
        const g1_sx = G1.toAffine(G1.timesFr(g1_s, prvKey));
        const transcript = new Uint8Array(crypto.createHash("sha512").update("any transcript").digest());
        const g2_sp = keypair.hashToG2(curve, transcript);
        const g2_spx = G2.toAffine(G2.timesFr(g2_sp, prvKey));
        v.contribution = {
            os_random_hex: hex(osRandom),
            entropy,
            blake2b_seed_hash_hex: hex(seedHash),
            prv_key: fr(prvKey),
            prv_key_mont_hex: hex(prvKey),
            g1_s: g1(g1_s),
            g1_sx: g1(g1_sx),
            transcript_hex: hex(transcript),
            g2_sp: g2(g2_sp),
            g2_spx: g2(g2_spx),
            next_u32_after: rng.nextU32(),
        };
    }

    // 5. The beacon: misc.rngFromBeaconParams(beaconHash, 10).
    {
        const beaconHash = fromHex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
        const exp = 10;
        let h = Buffer.from(beaconHash);
        for (let i = 0; i < 1 << exp; i++) h = crypto.createHash("sha256").update(h).digest();
        const rng = await misc.rngFromBeaconParams(beaconHash, exp);
        const prvKey = Fr.fromRng(rng);
        const g1_s = G1.toAffine(G1.fromRng(rng));
        v.beacon = {
            beacon_hash_hex: hex(beaconHash),
            iterations_exp: exp,
            iterated_hash_hex: hex(h),
            prv_key: fr(prvKey),
            g1_s: g1(g1_s),
            next_u32_after: rng.nextU32(),
        };
        // A beacon hash that is not 32 bytes long (snarkjs accepts 1..=255 bytes).
        const short = fromHex("cafe");
        const rng2 = await misc.rngFromBeaconParams(short, 11);
        v.beacon_short = {
            beacon_hash_hex: hex(short),
            iterations_exp: 11,
            prv_key: fr(Fr.fromRng(rng2)),
        };
    }

    // 6. misc.formatHash, without and with a title.
    const hashes = [
        Uint8Array.from({ length: 64 }, (_, i) => i),
        new Uint8Array(crypto.createHash("blake2b512").update("verinfer").digest()),
    ];
    v.format_hash = hashes.map((h) => ({
        hash_hex: hex(h),
        plain: misc.formatHash(h),
        titled: misc.formatHash(h, "Contribution Hash: "),
    }));

    await curve.terminate();
    fs.writeFileSync(out, JSON.stringify(v, null, 1) + "\n");
    console.error(`wrote ${out}`);
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
