import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main } from "../../cli/main";
import { baseConfigs, basePlan, configToml, device, tempDir, writePlanDir } from "./fixtures";

const ROOT = path.join(__dirname, "..", "..");

/** Runs the CLI in process, as bin/iotedge-fleet.js does, capturing its output. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const code = await main(["plan-diff", ...argv], {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
    });
    return { code, stdout, stderr };
}

describe("plan-diff command", () => {
    let root: string;
    let oldDir: string;
    let sameDir: string;
    let newDir: string;

    before(() => {
        root = tempDir();
        oldDir = writePlanDir(path.join(root, "old"), basePlan(), baseConfigs());
        sameDir = writePlanDir(path.join(root, "same"), basePlan(), baseConfigs());
        const plan = basePlan();
        plan.devices.push(device("edge-03"));
        plan.devices[0].files[0].mode = "0600";
        const configs = baseConfigs();
        configs.set("edge-01", configToml("edge-01", "0ne00000002"));
        configs.set("edge-03", configToml("edge-03"));
        newDir = writePlanDir(path.join(root, "new"), plan, configs);
    });

    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("no changes: says so, exit 0 even with --exit-code", async () => {
        const r = await cli(oldDir, sameDir, "--exit-code");
        assert.deepEqual(r, {
            code: 0,
            stdout: "**Plan diff, stack `dev`:** no changes\n",
            stderr: "",
        });
    });

    it("changes: markdown by default, exit 0 without --exit-code", async () => {
        const r = await cli(oldDir, newDir);
        assert.equal(r.code, 0);
        assert.equal(r.stderr, "");
        const lines = r.stdout.split("\n");
        assert.equal(
            lines[0],
            "**Plan diff, stack `dev`:** 2 devices change (1 added, 1 changed; 2 config.toml)",
        );
        for (const expected of [
            "### Devices: 1 added, 1 changed",
            "### config.toml: 2 devices",
            "- **added** `edge-03`: `dps-symmetric-key`, `linux`, 1 file",
            "  - file **changed** `/var/aziot/certs/root-ca.pem`: mode `0644` → `0600`",
            "--- old/devices/edge-01/config.toml",
            "+++ new/devices/edge-01/config.toml",
            "@@ -3,7 +3,7 @@",
            '-id_scope = "0ne00000001"',
            '+id_scope = "0ne00000002"',
        ]) {
            assert.ok(lines.includes(expected), `missing line ${expected}\n${r.stdout}`);
        }
    });

    it("changes with --exit-code: exit 1", async () => {
        assert.equal((await cli(oldDir, newDir, "--exit-code")).code, 1);
    });

    it("--format text", async () => {
        const r = await cli(oldDir, newDir, "--format", "text");
        assert.ok(r.stdout.startsWith("Plan diff, stack dev: 2 devices change"), r.stdout);
        assert.ok(r.stdout.includes("  + edge-03: dps-symmetric-key, linux, 1 file\n"), r.stdout);
        assert.ok(!r.stdout.includes("```"), "no markdown in text output");
    });

    it("--context changes the lines around a change", async () => {
        const r = await cli(oldDir, newDir, "--format=text", "--context", "0");
        assert.ok(r.stdout.includes("@@ -6 +6 @@\n"), r.stdout);
    });

    it("is deterministic: the same bytes on every run", async () => {
        assert.equal((await cli(oldDir, newDir)).stdout, (await cli(oldDir, newDir)).stdout);
    });

    it("missing OLD_DIR: exit 2 naming the flag, unless --allow-missing-old", async () => {
        const missing = path.join(root, "no-such-dir");
        const r = await cli(missing, newDir, "--exit-code");
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.match(
            r.stderr,
            /no-such-dir: OLD_DIR does not exist \(for a new stack, pass --allow-missing-old\)/,
        );

        const ok = await cli(missing, newDir, "--allow-missing-old", "--exit-code");
        assert.equal(ok.code, 1);
        assert.match(
            ok.stdout,
            /^\*\*Plan diff, stack `dev`:\*\* new stack, 3 devices change \(3 added; 3 config.toml\), 3 resources added/,
        );
        assert.ok(ok.stdout.includes("No old plan: stack `dev` is new, so everything is added."));
    });

    it("--allow-missing-old still reads an OLD_DIR that exists", async () => {
        const r = await cli(oldDir, sameDir, "--allow-missing-old", "--exit-code");
        assert.equal(r.code, 0);
    });

    it("missing NEW_DIR: exit 2, even with --allow-missing-old", async () => {
        const r = await cli(oldDir, path.join(root, "nope"), "--allow-missing-old");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /nope: NEW_DIR does not exist\n/);
    });

    it("directory without plan.json: exit 2 with a clear message", async () => {
        const empty = path.join(root, "empty");
        fs.mkdirSync(empty, { recursive: true });
        const r = await cli(oldDir, empty, "--exit-code");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /empty: not a valid plan directory\n {2}plan\.json: not found/);
    });

    it("invalid plan.json: exit 2 naming every problem", async () => {
        const bad = path.join(root, "bad");
        fs.mkdirSync(bad, { recursive: true });
        fs.writeFileSync(
            path.join(bad, "plan.json"),
            JSON.stringify({ stack: "dev", devices: {} }),
        );
        const r = await cli(bad, newDir);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /project: expected a string/);
        assert.match(r.stderr, /resources: expected an array/);
        assert.match(r.stderr, /devices: expected an array/);
    });

    it("plan.json that is not JSON: exit 2", async () => {
        const bad = path.join(root, "notjson");
        fs.mkdirSync(bad, { recursive: true });
        fs.writeFileSync(path.join(bad, "plan.json"), "{ nope");
        const r = await cli(oldDir, bad);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /notjson: not a valid plan directory\n {2}plan\.json: not JSON/);
    });

    it("unreadable plan directory (devices is a file): exit 2 with the system's message", async () => {
        const odd = path.join(root, "odd");
        writePlanDir(odd, basePlan(), new Map());
        fs.writeFileSync(path.join(odd, "devices"), "not a folder");
        const r = await cli(oldDir, odd);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^iotedge-fleet plan-diff: ENOTDIR/);
    });

    it("usage errors exit 2 with the usage text", async () => {
        for (const argv of [
            [oldDir],
            [oldDir, newDir, "x"],
            [oldDir, newDir, "--format", "html"],
            [oldDir, newDir, "--bogus"],
            [oldDir, newDir, "--context", "-1"],
        ]) {
            const r = await cli(...argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.match(r.stderr, /^iotedge-fleet plan-diff: .*\nusage:/);
        }
    });

    it("the installed bin exits with the same codes", function () {
        this.timeout(60_000);
        const bin = path.join(ROOT, "bin", "iotedge-fleet.js");
        const run = (...args: string[]) =>
            spawnSync(process.execPath, [bin, "plan-diff", ...args], { encoding: "utf8" });
        assert.equal(run(oldDir, sameDir, "--exit-code").status, 0);
        const changed = run(oldDir, newDir, "--exit-code");
        assert.equal(changed.status, 1, changed.stderr);
        assert.match(changed.stdout, /^\*\*Plan diff, stack `dev`:\*\* 2 devices change/);
        assert.equal(run(path.join(root, "none"), newDir).status, 2);
    });
});
