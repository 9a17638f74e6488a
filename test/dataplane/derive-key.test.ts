import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import fc from "fast-check";
import { deriveDeviceKey, symmetricKeyProblem } from "../../components/dataplane/derive-key";
import { runWithStdin } from "../../cli/commands/derive-key";
import { main } from "../../cli/main";
import { CommandIO, UsageError } from "../../cli/io";

/**
 * Fixed vector computed once with seed 002's openssl recipe:
 *   KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=  (base64 of "0123456789abcdef0123456789abcdef")
 *   REG_ID=sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6
 *   keybytes=$(echo $KEY | base64 --decode | xxd -p -u -c 1000)
 *   echo -n $REG_ID | openssl sha256 -mac HMAC -macopt hexkey:$keybytes -binary | base64
 */
const GROUP_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const REG_ID = "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6";
const EXPECTED = "UDW+GwvkZWmqYs9A0d/WMRQwQwJcmU2oYq11YE9nBsg=";

function hasOpenssl(): boolean {
    try {
        execFileSync("openssl", ["version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** Seed 002's recipe, with node doing the `base64 --decode | xxd -p -u` step (xxd may be absent). */
function opensslDerive(keyB64: string, registrationId: string): string {
    const hexKey = Buffer.from(keyB64, "base64").toString("hex").toUpperCase();
    const mac = execFileSync(
        "openssl",
        ["sha256", "-mac", "HMAC", "-macopt", `hexkey:${hexKey}`, "-binary"],
        { input: registrationId },
    );
    return mac.toString("base64");
}

function captureIO(): CommandIO & { out: string; err: string } {
    const io = {
        out: "",
        err: "",
        stdout: (t: string) => {
            io.out += t;
        },
        stderr: (t: string) => {
            io.err += t;
        },
    };
    return io;
}

describe("deriveDeviceKey", () => {
    it("matches the fixed vector computed with seed 002's openssl recipe", () => {
        assert.strictEqual(deriveDeviceKey(GROUP_KEY, REG_ID), EXPECTED);
    });

    it("matches openssl run now, for several keys and IDs", function () {
        if (!hasOpenssl()) {
            this.skip();
        }
        assert.strictEqual(opensslDerive(GROUP_KEY, REG_ID), EXPECTED);
        for (const [bytes, id] of [
            [16, "dev1"],
            [32, "edge-gw.site_3:a"],
            [64, "x".repeat(128)],
        ] as const) {
            const key = crypto.randomBytes(bytes).toString("base64");
            assert.strictEqual(
                deriveDeviceKey(key, id),
                opensslDerive(key, id),
                `${bytes} bytes, ${id}`,
            );
        }
    });

    it("gives different 32-byte keys for different registration IDs (property)", () => {
        const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}[a-z0-9]$/);
        fc.assert(
            fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), id, id, (bytes, a, b) => {
                const key = Buffer.from(bytes).toString("base64");
                const ka = deriveDeviceKey(key, a);
                assert.strictEqual(Buffer.from(ka, "base64").length, 32);
                assert.strictEqual(ka === deriveDeviceKey(key, b), a === b);
            }),
            { numRuns: 100 },
        );
    });

    it("rejects keys that are not base64 of 16-64 bytes, without echoing them", () => {
        const cases: Array<[string, RegExp]> = [
            ["", /empty/],
            ["not base64!!", /not valid base64/],
            [Buffer.alloc(15).toString("base64"), /16-64 bytes, got 15/],
            [Buffer.alloc(65, 1).toString("base64"), /16-64 bytes, got 65/],
            ["MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY", /not valid base64/],
        ];
        for (const [key, message] of cases) {
            assert.throws(
                () => deriveDeviceKey(key, "dev1"),
                (err: Error) =>
                    message.test(err.message) && (key === "" || !err.message.includes(key)),
                key,
            );
        }
        assert.strictEqual(symmetricKeyProblem(Buffer.alloc(16).toString("base64")), undefined);
        assert.strictEqual(symmetricKeyProblem(Buffer.alloc(64).toString("base64")), undefined);
    });

    it("rejects registration IDs the DPS spec does not allow", () => {
        for (const id of ["", "-dev", "dev-", "dev 1", "dev/1", "a".repeat(129)]) {
            assert.throws(
                () => deriveDeviceKey(GROUP_KEY, id),
                /registration ID/,
                JSON.stringify(id),
            );
        }
    });
});

describe("iotedge-fleet derive-key", () => {
    it("prints the key and a newline, nothing else", async () => {
        const io = captureIO();
        const code = await main(
            ["derive-key", "--group-key", GROUP_KEY, "--registration-id", REG_ID],
            io,
        );
        assert.strictEqual(code, 0);
        assert.strictEqual(io.out, `${EXPECTED}\n`);
        assert.strictEqual(io.err, "");
    });

    it("reads the key from stdin with --group-key -", async () => {
        const io = captureIO();
        const code = await runWithStdin(
            ["--group-key", "-", "--registration-id", REG_ID],
            io,
            async () => `${GROUP_KEY}\n`,
        );
        assert.strictEqual(code, 0);
        assert.strictEqual(io.out, `${EXPECTED}\n`);
    });

    it("works end to end through bin/ with the key on stdin", async () => {
        const bin = path.resolve(__dirname, "../../bin/iotedge-fleet.js");
        const child = spawn(process.execPath, [
            bin,
            "derive-key",
            "--group-key",
            "-",
            "--registration-id",
            REG_ID,
        ]);
        let out = "";
        child.stdout.on("data", (d) => (out += String(d)));
        child.stdin.end(`${GROUP_KEY}\n`);
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        assert.strictEqual(code, 0);
        assert.strictEqual(out, `${EXPECTED}\n`);
    });

    it("is a usage error without --group-key or --registration-id", async () => {
        await assert.rejects(
            runWithStdin(["--registration-id", "d"], captureIO(), async () => ""),
            UsageError,
        );
        await assert.rejects(
            runWithStdin(["--group-key", GROUP_KEY], captureIO(), async () => ""),
            UsageError,
        );
        const io = captureIO();
        assert.strictEqual(await main(["derive-key", "--group-key", GROUP_KEY], io), 2);
        assert.match(io.err, /--registration-id is required/);
    });

    it("exits 1 on a bad key and does not print it", async () => {
        const io = captureIO();
        const bad = Buffer.alloc(8, 7).toString("base64");
        const code = await main(
            ["derive-key", "--group-key", bad, "--registration-id", "dev1"],
            io,
        );
        assert.strictEqual(code, 1);
        assert.strictEqual(io.out, "");
        assert.match(io.err, /16-64 bytes, got 8/);
        assert.ok(!io.err.includes(bad));
    });
});
