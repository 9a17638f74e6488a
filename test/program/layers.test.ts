/**
 * Two layers of stacks: a platform stack exports what its fleet stacks need; a fleet stack
 * declares only its devices and reads the rest through a StackReference.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { checkFleet, formatProblem, ResolvedFleet } from "../../components/fleet";
import { withPlatform } from "../../components/fleet/layers";
import type { PlanRecorder } from "../../cli/plan-mocks";

function platformRaw(): any {
    return {
        environment: "prod",
        resourceGroup: { name: "rg-p", location: "westeurope" },
        hubs: [{ name: "hub-p" }],
        dps: { name: "dps-p", links: [{ hub: "hub-p" }] },
        pki: { cas: [{ name: "root" }, { name: "devices", issuer: "root" }] },
        enrollmentGroups: [
            { name: "g-x509", attestation: { type: "x509", ca: "devices" } },
            { name: "g-sym", attestation: { type: "symmetricKey", primaryKeySecret: "groupKey" } },
        ],
        devices: [],
    };
}

function siteRaw(devices = 3): any {
    return {
        environment: "prod",
        platform: { stack: "platform", reference: "org/iotedge-fleet/platform" },
        defaults: {
            ssh: { user: "edgeadmin" },
            versions: { aziotEdge: "1.5.21-1", aziotIdentityService: "1.5.6-1" },
        },
        devices: Array.from({ length: devices }, (_, i) => ({
            deviceId: `site-dev-${i}`,
            ssh: { host: `10.0.0.${i + 1}` },
            provisioning:
                i % 2 === 0
                    ? { method: "dps-x509", enrollmentGroup: "g-x509" }
                    : { method: "dps-symmetric-key", enrollmentGroup: "g-sym" },
        })),
    };
}

/** The site's fleet, completed from the platform and validated as `pulumi up` does. */
function resolvedSite(devices = 3): ResolvedFleet {
    const merged = withPlatform(siteRaw(devices), platformRaw(), "platform");
    assert.deepEqual(merged.problems, []);
    // The platform's secret (groupKey) is the platform stack's config, not the site's.
    const result = checkFleet(merged.fleet, { hasConfig: (k) => k === "sshPrivateKey" });
    assert.deepEqual(result.problems.map(formatProblem), []);
    return result.fleet!;
}

describe("fleet stack model (layers)", () => {
    it("takes hubs, DPS, CAs and groups from the platform", () => {
        const fleet = resolvedSite();
        assert.deepEqual(fleet.platform, {
            stack: "platform",
            reference: "org/iotedge-fleet/platform",
        });
        assert.deepEqual(
            fleet.hubs.map((h) => h.name),
            ["hub-p"],
        );
        assert.equal(fleet.dps?.name, "dps-p");
        assert.deepEqual(
            fleet.enrollmentGroups.map((g) => g.name),
            ["g-x509", "g-sym"],
        );
    });

    it("rejects a fleet stack that declares platform fields itself", () => {
        const site = siteRaw();
        site.hubs = [{ name: "mine" }];
        site.pki = { cas: [{ name: "x" }] };
        const { problems } = withPlatform(site, platformRaw(), "platform");
        assert.deepEqual(problems.map(formatProblem), [
            'fleet.hubs: a fleet stack takes hubs from its platform stack "platform": remove it here',
            'fleet.pki: a fleet stack takes pki from its platform stack "platform": remove it here',
        ]);
    });

    it("rejects a platform that is missing or is itself a fleet stack", () => {
        assert.deepEqual(withPlatform(siteRaw(), undefined, "nope").problems.map(formatProblem), [
            'fleet.platform.stack: no fleet config in the stack file of platform stack "nope"',
        ]);
        assert.deepEqual(withPlatform(siteRaw(), siteRaw(), "site-x").problems.map(formatProblem), [
            'fleet.platform.stack: "site-x" is itself a fleet stack; name the platform stack',
        ]);
    });

    it("keeps device certificates off the platform's root CA", () => {
        const site = siteRaw(1);
        site.devices[0].issuer = "root";
        site.devices[0].provisioning = { method: "dps-x509", individual: {} };
        const merged = withPlatform(site, platformRaw(), "platform").fleet;
        const problems = checkFleet(merged).problems.map(formatProblem);
        assert.ok(
            problems.includes(
                'fleet.devices[0].issuer: "root" is the platform\'s root CA, whose key stays in the platform stack: issue device certificates from an intermediate',
            ),
            problems.join("\n"),
        );
    });
});

describe("fleet stack graph (under the plan's mocks, preview)", () => {
    let recorder: PlanRecorder;
    let resources: PlanRecorder["resources"];
    let component: import("../../components/iotedge-fleet").IotEdgeFleet;

    before(async () => {
        const { PlanRecorder } = await import("../../cli/plan-mocks");
        const fleet = resolvedSite(3);
        recorder = new PlanRecorder(fleet);
        await pulumi.runtime.setMocks(recorder, "iotedge-fleet", "site", true);
        const { IotEdgeFleet } = await import("../../components/iotedge-fleet");
        const secrets = (key: string) => pulumi.secret(pulumi.output(`value-of-${key}`));
        await pulumi.runtime.runInPulumiStack(async () => {
            recorder.install();
            component = new IotEdgeFleet("fleet", { fleet, secrets });
            return {};
        });
        resources = recorder.resources;
    });

    it("declares no Azure or enrollment resource, and one StackReference", () => {
        const types = resources.map((r) => r.type);
        assert.deepEqual(
            types.filter((t) => t.startsWith("azure-native:") || t.startsWith("pulumi-nodejs:")),
            [],
        );
        const refs = resources.filter((r) => r.type === "pulumi:pulumi:StackReference");
        assert.deepEqual(
            refs.map((r) => [r.name, r.parent, r.inputs.name]),
            [["fleet-platform", "fleet", "org/iotedge-fleet/platform"]],
        );
        // The plan says where each output came from.
        assert.deepEqual(Object.keys(recorder.references["fleet-platform"].outputs).sort(), [
            "platformCas",
            "platformDps",
            "platformHubs",
            "platformSecrets",
        ]);
    });

    it("declares no CA, only device certificates signed with the platform's CA key (secret)", () => {
        assert.equal(
            resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert").length,
            0,
        );
        assert.ok(!resources.some((r) => r.name.startsWith("fleet-pki-ca-")));
        const signed = resources.filter(
            (r) => r.type === "tls:index/locallySignedCert:LocallySignedCert",
        );
        // Per device: an Edge CA certificate, and for the X.509 devices an identity certificate.
        assert.equal(signed.length, 3 + 2);
        for (const r of signed) assert.ok(r.secretInputs.includes("caPrivateKeyPem"), r.name);
    });

    it("renders config.toml with the platform's DPS", async () => {
        const toml = await (component.devices["site-dev-0"].configToml as any).promise(true);
        assert.match(toml, /id_scope = "\(known after apply: ID scope of DPS dps-p\)"/);
        assert.match(toml, /registration_id = "site-dev-0"/);
    });

    it("a group device's derived key is secret", async () => {
        const key = component.cloud.devices["site-dev-1"].symmetricKey!;
        assert.ok(await pulumi.isSecret(key));
    });
});

describe("platform stack exports", () => {
    it("hands fleet stacks issuing CA keys only, as one secret output", async () => {
        const created: string[] = [];
        await pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    created.push(a.type);
                    const state: Record<string, unknown> = { ...a.inputs };
                    if (a.type === "tls:index/privateKey:PrivateKey")
                        state.privateKeyPem = `KEY-${a.name}`;
                    if (a.type.startsWith("tls:") && a.type.endsWith("Cert")) state.certPem = "";
                    if (a.type === "random:index/randomBytes:RandomBytes") state.base64 = "AAAA";
                    return { id: `${a.name}-id`, state };
                },
                call: (a) => ({ keyName: a.inputs.keyName, primaryKey: "k", secondaryKey: "k" }),
            },
            "iotedge-fleet",
            "platform",
            false,
        );
        const { IotEdgeFleet } = await import("../../components/iotedge-fleet");
        const { platformExports } = await import("../../components/platform");
        const result = checkFleet(platformRaw());
        assert.ok(result.ok, result.problems.map(formatProblem).join("\n"));
        const fleet = result.fleet;
        let exports: ReturnType<typeof platformExports> | undefined;
        await pulumi.runtime.runInPulumiStack(async () => {
            const c = new IotEdgeFleet("fleet", {
                fleet,
                secrets: (k) => pulumi.secret(pulumi.output(`secret-${k}`)),
            });
            exports = platformExports(fleet, c);
            return {};
        });
        const secrets = exports!.platformSecrets;
        assert.ok(await pulumi.isSecret(secrets));
        const value = await (secrets as any).promise();
        assert.deepEqual(Object.keys(value.caKeys), ["devices"], "the root's key stays home");
        assert.equal(value.caKeys.devices, "KEY-fleet-pki-ca-devices-key");
        assert.deepEqual(Object.keys(value.groupPrimaryKeys), ["g-sym"]);
        assert.equal(value.groupPrimaryKeys["g-sym"], "secret-groupKey");
        assert.ok(!(await pulumi.isSecret(exports!.platformHubs)));
        assert.deepEqual(Object.keys(await (exports!.platformHubs as any).promise()), ["hub-p"]);
        assert.ok(created.includes("azure-native:iothub:IotHubResource"));
    });
});
