/**
 * IotEdgeFleet's wiring, end to end under mocks: which certificate, key and cloud fact reaches
 * which file on which device, and what reaches the cloud. Certificates are real (openssl) so the
 * thumbprints and chains are computed for real.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { deriveDeviceKey } from "../../components/dataplane/derive-key";
import { checkFleet, formatProblem } from "../../components/fleet";
import { thumbprints } from "../../components/pki/thumbprint";
import { makeCert } from "../pki/fixtures";

const SIG = "4dabf18193072939515e22adb298388d";
const unwrap = (v: any) => (v && typeof v === "object" && SIG in v ? v.value : v);
const isSecretInput = (v: any) => Boolean(v && typeof v === "object" && SIG in v);

const GROUP_KEY = Buffer.alloc(32, 7).toString("base64");

function fleetRaw(): any {
    return {
        environment: "test",
        resourceGroup: { name: "rg", location: "westeurope" },
        hubs: [{ name: "hub-w" }],
        dps: { name: "dps-w", links: [{ hub: "hub-w" }] },
        pki: { cas: [{ name: "root" }, { name: "devices", issuer: "root" }] },
        enrollmentGroups: [
            { name: "sym", attestation: { type: "symmetricKey", primaryKeySecret: "groupKey" } },
            { name: "x509", attestation: { type: "x509", ca: "devices" } },
        ],
        defaults: {
            ssh: { user: "edgeadmin" },
            versions: { aziotEdge: "1.5.21-1", aziotIdentityService: "1.5.6-1" },
        },
        devices: [
            {
                deviceId: "sym-dev",
                registrationId: "sym-reg",
                ssh: { host: "10.0.0.1" },
                provisioning: { method: "dps-symmetric-key", enrollmentGroup: "sym" },
            },
            {
                deviceId: "x509-dev",
                ssh: { host: "10.0.0.2" },
                provisioning: { method: "dps-x509", enrollmentGroup: "x509" },
            },
            {
                deviceId: "manual-dev",
                ssh: { host: "10.0.0.3" },
                provisioning: { method: "manual-x509", hub: "hub-w" },
            },
        ],
    };
}

/** `role path → base64 content` of a files step manifest (components/device/steps.ts). */
function manifestFiles(stdin: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const line of stdin.split("\n")) {
        const [kind, path, , , , , b64] = line.split(" ");
        if (kind === "f") out.set(path, b64);
    }
    return out;
}

describe("IotEdgeFleet wiring (under mocks)", function () {
    const recorded: Array<{ type: string; name: string; inputs: any }> = [];
    const certs = new Map<string, string>();
    let component: import("../../components/iotedge-fleet").IotEdgeFleet;

    before(async function () {
        await pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    recorded.push({ type: a.type, name: a.name, inputs: a.inputs });
                    const state: Record<string, unknown> = { ...a.inputs };
                    if (a.type === "tls:index/privateKey:PrivateKey") {
                        state.privateKeyPem = `PRIVATE-KEY-OF-${a.name}`;
                    }
                    if (a.type.startsWith("tls:") && a.type.endsWith("Cert")) {
                        const pem = makeCert(a.name);
                        certs.set(a.name, pem);
                        state.certPem = pem;
                    }
                    if (a.type === "tls:index/certRequest:CertRequest")
                        state.certRequestPem = "CSR";
                    if (a.type === "azure-native:iothub:IotHubResource") {
                        state.properties = {
                            hostName: `${a.inputs.resourceName}.azure-devices.net`,
                        };
                    }
                    if (a.type === "azure-native:deviceprovisioningservices:IotDpsResource") {
                        state.properties = {
                            idScope: "0ne00000042",
                            serviceOperationsHostName: "dps-w.azure-devices-provisioning.net",
                        };
                    }
                    if (a.type === "random:index/randomBytes:RandomBytes") state.base64 = "AAAA";
                    return { id: `${a.name}-id`, state };
                },
                call: (a) => {
                    if (a.token.endsWith("KeysForKeyName")) {
                        return {
                            keyName: a.inputs.keyName,
                            primaryKey: "cG9saWN5",
                            secondaryKey: "cG9saWN5",
                        };
                    }
                    throw new Error(`unexpected call ${a.token}`);
                },
            },
            "iotedge-fleet",
            "wiring",
            false,
        );
        const result = checkFleet(fleetRaw());
        assert.ok(result.ok, result.problems.map(formatProblem).join("\n"));
        const { IotEdgeFleet } = await import("../../components/iotedge-fleet");
        component = new IotEdgeFleet("fleet", {
            fleet: result.fleet,
            secrets: (key) =>
                pulumi.secret(pulumi.output(key === "groupKey" ? GROUP_KEY : `value-of-${key}`)),
        });
        // Let every apply settle and every registration reach the mocks.
        for (const d of Object.values(component.devices)) await (d.configToml as any).promise();
        const settings: any = await import("@pulumi/pulumi/runtime/settings");
        await settings.waitForRPCs();
    });

    const step = (device: string, role: string) => {
        const r = recorded.find((x) => x.name === `fleet-device-${device}-${role}`);
        assert.ok(r, `no ${role} step for ${device}`);
        return r;
    };

    it("a group device's key file holds its derived key, on secret stdin", () => {
        const files = step("sym-dev", "files");
        assert.ok(isSecretInput(files.inputs.stdin));
        const manifest = manifestFiles(unwrap(files.inputs.stdin));
        // The file holds raw bytes; the manifest carries them base64-encoded.
        assert.equal(
            manifest.get("/var/aziot/secrets/device-id.key"),
            deriveDeviceKey(GROUP_KEY, "sym-reg"),
        );
        // No key ever in a command string.
        for (const role of ["install", "files", "apply"]) {
            const cmd = JSON.stringify(step("sym-dev", role).inputs.create);
            assert.ok(!cmd.includes(deriveDeviceKey(GROUP_KEY, "sym-reg")), role);
            assert.ok(!cmd.includes(GROUP_KEY), role);
        }
    });

    it("an X.509 device gets its own certificate with the chain up to the root, and its key", () => {
        const manifest = manifestFiles(unwrap(step("x509-dev", "files").inputs.stdin));
        const identity = Buffer.from(
            manifest.get("/var/aziot/certs/device-id.pem")!,
            "base64",
        ).toString();
        const leaf = certs.get("fleet-pki-device-x509-dev-identity-primary-cert")!;
        assert.ok(identity.startsWith(leaf.trim()), "leaf first");
        assert.ok(identity.includes(certs.get("fleet-pki-ca-devices-cert")!.trim()), "issuing CA");
        assert.ok(identity.includes(certs.get("fleet-pki-ca-root-cert")!.trim()), "root");
        const key = Buffer.from(manifest.get("/var/aziot/secrets/device-id.key.pem")!, "base64");
        assert.equal(
            key.toString(),
            "PRIVATE-KEY-OF-fleet-pki-device-x509-dev-identity-primary-key",
        );
        const bundle = Buffer.from(manifest.get("/var/aziot/certs/root-ca.pem")!, "base64");
        assert.equal(bundle.toString().trim(), certs.get("fleet-pki-ca-root-cert")!.trim());
    });

    it("config.toml on the apply step is the rendered one, with the DPS ID scope", async () => {
        const apply = step("x509-dev", "apply");
        const toml = await (component.devices["x509-dev"].configToml as any).promise();
        assert.equal(unwrap(apply.inputs.stdin), toml);
        assert.match(toml, /id_scope = "0ne00000042"/);
        assert.ok(!isSecretInput(apply.inputs.stdin), "config.toml is not secret: it holds none");
    });

    it("the manual device's hub identity carries both identity thumbprints", () => {
        const identity = recorded.find(
            (r) => r.type === "pulumi-nodejs:dynamic/iotedge:HubDeviceIdentity",
        );
        assert.ok(identity);
        const auth = unwrap(identity.inputs.authentication);
        assert.equal(auth.type, "selfSigned");
        const primary = certs.get("fleet-pki-device-manual-dev-identity-primary-cert")!;
        const secondary = certs.get("fleet-pki-device-manual-dev-identity-secondary-cert")!;
        assert.equal(auth.primaryThumbprint, thumbprints(primary).sha256);
        assert.equal(auth.secondaryThumbprint, thumbprints(secondary).sha256);
        assert.notEqual(auth.primaryThumbprint, auth.secondaryThumbprint);
    });

    it("the X.509 group enrollment signs with the group's CA certificate (seed 001)", () => {
        const group = recorded.find(
            (r) =>
                r.type === "pulumi-nodejs:dynamic/iotedge:EnrollmentGroup" &&
                r.inputs.enrollmentGroupId === "x509",
        );
        assert.ok(group);
        const attestation = unwrap(group.inputs.attestation);
        assert.equal(attestation.type, "x509");
        assert.equal(
            attestation.signingCertificates.primary.trim(),
            certs.get("fleet-pki-ca-devices-cert")!.trim(),
        );
        assert.ok(isSecretInput(group.inputs.policyKey));
    });
});
