/**
 * The providers as the Pulumi engine runs them: `pulumi.dynamic.Resource` serializes its provider
 * with `serializeFunction(() => provider, { allowSecrets: true })` (node_modules/@pulumi/pulumi/
 * dynamic/index.js `serializeFunctionMaybeSecret`), and the engine's dynamic-provider host loads
 * the text with `require-from-string` and calls `.handler()` (cmd/dynamic-provider/index.js
 * `getProvider`). We do the same in a fresh node process (no ts-node, cwd outside the repo) and
 * drive the provider against the loopback fakes running in this process.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    EnrollmentGroupProvider,
    HubDeviceIdentityProvider,
    IndividualEnrollmentProvider,
} from "../../components/dataplane/providers";
import { FakeDps, FakeHub, startFakeDps, startFakeHub } from "./fake-services";

const PEM_A = fs.readFileSync(path.join(__dirname, "fixtures/root-a.pem"), "utf8");

/** What dynamic.Resource does to a provider. */
async function serializeProvider(provider: object): Promise<string> {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    assert.strictEqual(sf.exportName, "handler");
    return sf.text;
}

interface Op {
    op: "create" | "read" | "update" | "delete" | "diff";
    /** Arguments; strings "$id" and "$outs" are replaced by the last create/update results. */
    args: unknown[];
}

const CHILD = `
const fs = require("fs");
const requireFromString = require(process.argv[2]);
const text = fs.readFileSync(process.argv[3], "utf8");
const ops = JSON.parse(fs.readFileSync(0, "utf8"));
(async () => {
    const provider = requireFromString(text).handler();
    const results = [];
    let id, outs;
    const subst = (a) => (a === "$id" ? id : a === "$outs" ? outs : a);
    for (const { op, args } of ops) {
        try {
            const r = await provider[op](...args.map(subst));
            if (r && r.id !== undefined) id = r.id;
            if (r && r.outs !== undefined) outs = r.outs;
            if (op === "read" && r && r.props) outs = r.props;
            results.push({ ok: true, value: r === undefined ? null : r });
        } catch (e) {
            results.push({ ok: false, message: String(e && e.message) });
        }
    }
    process.stdout.write(JSON.stringify(results));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(3); });
`;

/** Serializes `provider`, writes it to a temp file and runs `ops` in a fresh node process. */
async function runSerialized(
    provider: object,
    ops: Op[],
): Promise<Array<{ ok: boolean; value?: any; message?: string }>> {
    const text = await serializeProvider(provider);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynprov-"));
    try {
        const providerFile = path.join(dir, "provider.js");
        const childFile = path.join(dir, "child.js");
        fs.writeFileSync(providerFile, text);
        fs.writeFileSync(childFile, CHILD);
        const child = spawn(
            process.execPath,
            [childFile, require.resolve("require-from-string"), providerFile],
            {
                cwd: dir,
                env: { PATH: process.env.PATH ?? "" },
            },
        );
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += String(d)));
        child.stderr.on("data", (d) => (err += String(d)));
        child.stdin.end(JSON.stringify(ops));
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        if (code !== 0) {
            throw new Error(`fresh process failed (exit ${code}): ${err}`);
        }
        return JSON.parse(out);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("providers serialized as the engine does, run in a fresh process", () => {
    let dps: FakeDps;
    let dpsConn: Awaited<ReturnType<typeof startFakeDps>>["connection"];
    let hub: FakeHub;
    let hubConn: Awaited<ReturnType<typeof startFakeHub>>["connection"];
    before(async () => {
        ({ dps, connection: dpsConn } = await startFakeDps());
        ({ hub, connection: hubConn } = await startFakeHub());
    });
    after(async () => {
        await dps.stop();
        await hub.stop();
    });

    it("the serialized text is self-contained: only node built-ins are required", async () => {
        for (const p of [
            new EnrollmentGroupProvider(),
            new IndividualEnrollmentProvider(),
            new HubDeviceIdentityProvider(),
        ]) {
            const text = await serializeProvider(p);
            const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
            assert.deepStrictEqual([...new Set(required)].sort(), ["crypto"]);
            assert.ok(text.length < 200_000, `serialized provider is ${text.length} chars`);
        }
    });

    it("EnrollmentGroupProvider: create, diff, update, read, stale delete, delete", async () => {
        const inputs = {
            ...dpsConn,
            enrollmentGroupId: "ser-group",
            attestation: { type: "symmetricKey" },
            iotEdge: true,
        };
        const results = await runSerialized(new EnrollmentGroupProvider(), [
            { op: "create", args: [inputs] },
            { op: "diff", args: ["$id", "$outs", { ...inputs, iotEdge: false }] },
            { op: "update", args: ["$id", "$outs", { ...inputs, iotEdge: false }] },
            { op: "read", args: ["$id", "$outs"] },
            { op: "delete", args: ["$id", { ...inputs, etag: '"stale"' }] },
            { op: "delete", args: ["$id", "$outs"] },
            { op: "delete", args: ["$id", "$outs"] },
        ]);
        assert.deepStrictEqual(
            results.map((r) => r.ok),
            [true, true, true, true, false, true, true],
        );
        assert.strictEqual(results[0].value.id, "ser-group");
        assert.match(results[0].value.outs.primaryKey, /^[A-Za-z0-9+/]+=*$/);
        assert.deepStrictEqual(results[1].value, {
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
        assert.strictEqual(results[3].value.props.iotEdge, false);
        // The error message survives serialization (a serialized `class extends Error` loses it).
        assert.match(results[4].message ?? "", /changed outside Pulumi.*pulumi refresh/);
        assert.strictEqual(dps.get("enrollmentGroups", "ser-group"), undefined);
    });

    it("IndividualEnrollmentProvider: create and delete (X.509)", async () => {
        const inputs = {
            ...dpsConn,
            registrationId: "ser-dev",
            attestation: { type: "x509", clientCertificates: { primary: PEM_A } },
        };
        const results = await runSerialized(new IndividualEnrollmentProvider(), [
            { op: "create", args: [inputs] },
            { op: "delete", args: ["$id", "$outs"] },
        ]);
        assert.deepStrictEqual(
            results.map((r) => r.ok),
            [true, true],
        );
        assert.match(results[0].value.outs.certificateThumbprints.primary, /^[0-9A-F]{64}$/);
        assert.ok(dps.requestsTo("PUT", "/enrollments/ser-dev").length === 1);
        assert.strictEqual(dps.get("enrollments", "ser-dev"), undefined);
    });

    it("HubDeviceIdentityProvider: create and delete (edge device)", async () => {
        const inputs = { ...hubConn, deviceId: "ser-edge", iotEdge: true };
        const results = await runSerialized(new HubDeviceIdentityProvider(), [
            { op: "create", args: [inputs] },
            { op: "delete", args: ["$id", "$outs"] },
        ]);
        assert.deepStrictEqual(
            results.map((r) => r.ok),
            [true, true],
        );
        assert.match(results[0].value.outs.deviceScope, /^ms-azure-iot-edge:\/\/ser-edge-/);
        assert.strictEqual(hub.get("ser-edge"), undefined);
        assert.deepStrictEqual(
            hub.requests
                .filter((r) => r.path === "/devices/ser-edge")
                .map((r) => `${r.method} ${r.status}`),
            ["GET 404", "PUT 200", "DELETE 204"],
        );
    });

    it("the harness fails for a provider that captures a socket", async () => {
        const socket = new net.Socket();
        const bad = {
            async create(inputs: { id: string }) {
                socket.write(inputs.id);
                return { id: inputs.id, outs: {} };
            },
        };
        await assert.rejects(
            runSerialized(bad, [{ op: "create", args: [{ id: "x" }] }]),
            /Error serializing[\s\S]*socket[\s\S]*could not be serialized/,
        );
        socket.destroy();
    });

    it("the harness fails for a provider that works in-process but requires a local module", async () => {
        const relative = {
            async create(inputs: { id: string }) {
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const sas = require("../../components/dataplane/sas");
                return { id: inputs.id, outs: { token: sas.encodeUriComponentStrict(inputs.id) } };
            },
        };
        assert.deepStrictEqual(await relative.create({ id: "a b" }), {
            id: "a b",
            outs: { token: "a%20b" },
        });
        const results = await runSerialized(relative, [{ op: "create", args: [{ id: "a b" }] }]);
        assert.strictEqual(results[0].ok, false);
        assert.match(results[0].message ?? "", /Cannot find module/);
    });
});
