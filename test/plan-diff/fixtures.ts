/** Builders for plan documents and plan directories, shared by the plan-diff tests. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlanDevice, PlanDocument } from "../../cli/commands/plan";
import type { PlanSnapshot } from "../../cli/plan-diff";

export const HUB = "azure-native:iothub:IotHubResource";
export const CMD = "command:remote:Command";
export const CERT = "tls:index/locallySignedCert:LocallySignedCert";

export function resource(
    type: string,
    name: string,
    parent?: string,
    secretInputs: string[] = [],
): PlanDocument["resources"][number] {
    return { type, name, ...(parent !== undefined ? { parent } : {}), secretInputs };
}

export function file(p: string, mode = "0644", owner = "aziotcs", group = "aziotcs") {
    return { path: p, owner, group, mode };
}

export function device(deviceId: string, over: Partial<PlanDevice> = {}): PlanDevice {
    return {
        deviceId,
        provisioning: "dps-symmetric-key",
        kind: "linux",
        files: [file("/var/aziot/certs/root-ca.pem")],
        ...over,
    };
}

/** A config.toml with enough lines that context and hunk positions can be checked. */
export function configToml(deviceId: string, idScope = "0ne00000001", extra: string[] = []) {
    return [
        `hostname = "${deviceId}"`,
        "",
        "[provisioning]",
        'source = "dps"',
        'global_endpoint = "https://global.azure-devices-provisioning.net"',
        `id_scope = "${idScope}"`,
        "",
        "[provisioning.attestation]",
        'method = "symmetric_key"',
        `registration_id = "${deviceId}"`,
        'symmetric_key = { uri = "file:///var/aziot/secrets/device-id.key" }',
        "",
        "[agent.config]",
        'image = "mcr.microsoft.com/azureiotedge-agent:1.5"',
        ...extra,
        "",
    ].join("\n");
}

/** The "base" plan most cases mutate: two devices, a hub, a command per device. */
export function basePlan(): PlanDocument {
    return {
        stack: "dev",
        project: "iotedge-fleet",
        unknownSecrets: ["iotedge-fleet:sshPrivateKey"],
        resources: [
            resource(HUB, "cloud-hub", "cloud"),
            resource(CMD, "edge-01-apply", "edge-01", ["connection.privateKey"]),
            resource(CMD, "edge-02-apply", "edge-02", ["connection.privateKey"]),
        ],
        devices: [device("edge-01"), device("edge-02")],
    };
}

export function baseConfigs(): Map<string, string> {
    return new Map([
        ["edge-01", configToml("edge-01")],
        ["edge-02", configToml("edge-02")],
    ]);
}

export function snapshot(plan: PlanDocument, configs = new Map<string, string>()): PlanSnapshot {
    return { plan, configs };
}

export function tempDir(prefix = "plan-diff-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a plan directory laid out as `iotedge-fleet plan --out DIR` writes it. */
export function writePlanDir(
    dir: string,
    plan: PlanDocument,
    configs: Map<string, string>,
): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify(plan, null, 2) + "\n");
    for (const [id, text] of configs) {
        fs.mkdirSync(path.join(dir, "devices", id), { recursive: true });
        fs.writeFileSync(path.join(dir, "devices", id, "config.toml"), text);
    }
    return dir;
}
