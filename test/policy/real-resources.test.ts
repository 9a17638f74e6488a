/**
 * The guardrails against the project's REAL resources, built under `pulumi.runtime.setMocks`:
 * the data-plane dynamic resources (components/dataplane) and the EdgeDevice component
 * (components/device). Their recorded type, name, URN and inputs are handed to the policies
 * as the analyzer would (./harness.ts `asAnalyzerProps`). If a component changes the marker a
 * policy relies on (type token, input names, the apply step's name or parent), this fails.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

import * as pulumi from "@pulumi/pulumi";

import type * as Dataplane from "../../components/dataplane";
import type * as Device from "../../components/device";
import { dataPlaneKind } from "../../policy/markers";
import {
    edgeDeviceConfigVisible,
    noQuickstartEdgeCa,
    noSymmetricKeyAttestation,
} from "../../policy/policies";
import { asAnalyzerProps, runResource, runStack } from "./harness";

interface Recorded {
    type: string;
    name: string;
    inputs: unknown;
}

const recorded: Recorded[] = [];

function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply(resolve));
}

function recordedNamed(name: string): Recorded {
    const r = recorded.filter((x) => x.name === name);
    assert.equal(r.length, 1, `exactly one resource named ${name}`);
    return r[0];
}

const golden = (f: string) =>
    fs.readFileSync(path.join(__dirname, "..", "render", "golden", f), "utf8");

describe("policy guardrails on the real components (under mocks)", function () {
    let dp: typeof Dataplane;
    let device: typeof Device;

    before(async () => {
        pulumi.runtime.setMocks(
            {
                newResource(args) {
                    recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
                    return { id: `${args.name}_id`, state: args.inputs };
                },
                call(args) {
                    throw new Error(`unexpected call ${args.token}`);
                },
            },
            "iotedge-fleet",
            "prod",
            false,
        );
        dp = await import("../../components/dataplane");
        device = await import("../../components/device");
    });

    const dps = {
        hostName: "contoso-dps-prod.azure-devices-provisioning.net",
        policyName: "provisioningserviceowner",
        policyKey: pulumi.secret("cG9saWN5LWtleQ=="),
    };
    const hub = {
        ...dps,
        hostName: "contoso-iot-prod-weu.azure-devices.net",
        policyName: "registryReadWrite",
    };

    async function check(resource: pulumi.CustomResource, name: string) {
        await promiseOf(resource.id);
        const r = recordedNamed(name);
        return runResource(noSymmetricKeyAttestation, {
            type: r.type,
            name: r.name,
            urn: await promiseOf(resource.urn),
            props: asAnalyzerProps(r.inputs),
            config: { production: true },
        });
    }

    it("recognises each data-plane resource by its recorded type and inputs", async () => {
        const g = new dp.EnrollmentGroup("kind-group", {
            ...dps,
            enrollmentGroupId: "kind-group",
            attestation: { type: "x509CaReferences", caReferences: { primary: "devices" } },
        });
        const i = new dp.IndividualEnrollment("kind-individual", {
            ...dps,
            registrationId: "kind-individual",
            deviceId: "kind-individual",
            attestation: { type: "tpm", endorsementKey: "ek" },
        });
        const h = new dp.HubDeviceIdentity("kind-identity", { ...hub, deviceId: "kind-identity" });
        await Promise.all([g.id, i.id, h.id].map(promiseOf));
        const kinds = ["kind-group", "kind-individual", "kind-identity"].map((n) => {
            const r = recordedNamed(n);
            return dataPlaneKind(r.type, asAnalyzerProps(r.inputs));
        });
        assert.deepEqual(kinds, ["EnrollmentGroup", "IndividualEnrollment", "HubDeviceIdentity"]);
    });

    it("rejects symmetric-key enrollments and SAS identities, accepts X.509 ones", async () => {
        const cases: Array<[pulumi.CustomResource, string, RegExp | undefined]> = [
            [
                new dp.EnrollmentGroup("sym-group", {
                    ...dps,
                    enrollmentGroupId: "sym-group",
                    attestation: { type: "symmetricKey" },
                    primaryKey: pulumi.secret("a2V5LWtleS1rZXkta2V5LWtleQ=="),
                    secondaryKey: pulumi.secret("a2V5LWtleS1rZXkta2V5LWtleQ=="),
                }),
                "sym-group",
                /^EnrollmentGroup "sym-group": attestation\.type is "symmetricKey"/,
            ],
            [
                new dp.EnrollmentGroup("x509-group", {
                    ...dps,
                    enrollmentGroupId: "x509-group",
                    attestation: { type: "x509CaReferences", caReferences: { primary: "devices" } },
                }),
                "x509-group",
                undefined,
            ],
            [
                new dp.IndividualEnrollment("sym-individual", {
                    ...dps,
                    registrationId: "sym-individual",
                    attestation: { type: "symmetricKey" },
                }),
                "sym-individual",
                /^IndividualEnrollment "sym-individual": attestation\.type is "symmetricKey"/,
            ],
            [
                new dp.IndividualEnrollment("x509-individual", {
                    ...dps,
                    registrationId: "x509-individual",
                    attestation: { type: "x509", clientCertificates: { primary: "PEM" } },
                }),
                "x509-individual",
                undefined,
            ],
            [
                new dp.HubDeviceIdentity("sas-identity", { ...hub, deviceId: "sas-identity" }),
                "sas-identity",
                /^HubDeviceIdentity "sas-identity": authentication is not set, which means SAS/,
            ],
            [
                new dp.HubDeviceIdentity("ca-identity", {
                    ...hub,
                    deviceId: "ca-identity",
                    authentication: { type: "certificateAuthority" },
                }),
                "ca-identity",
                undefined,
            ],
        ];
        for (const [resource, name, want] of cases) {
            const out = await check(resource, name);
            if (want === undefined) {
                assert.deepEqual(out.violations, [], name);
            } else {
                assert.equal(out.violations.length, 1, name);
                assert.match(out.violations[0], want);
            }
        }
    });

    function linuxArgs(deviceId: string, configToml: string): Device.EdgeDeviceArgs {
        const pem = (kind: string, body: string) =>
            `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
        return {
            deviceId,
            connection: { host: `${deviceId}.lan`, user: "root", privateKey: pulumi.secret("SSH") },
            versions: { aziotEdge: "1.5.21-1", aziotIdentityService: "1.5.6-1" },
            files: [
                { role: "trust-bundle", content: pem("CERTIFICATE", "root") },
                { role: "identity-cert", content: pem("CERTIFICATE", deviceId) },
                { role: "identity-key", content: pulumi.secret(pem("PRIVATE KEY", deviceId)) },
            ],
            configToml,
        };
    }

    async function applyStepOutcome(name: string, configToml: string) {
        const dev = new device.EdgeDevice(name, linuxArgs(name, configToml));
        await Promise.all([promiseOf(dev.apply.id), promiseOf(dev.triggers)]);
        const r = recordedNamed(`${name}-apply`);
        const out = await runResource(noQuickstartEdgeCa, {
            type: r.type,
            name: r.name,
            urn: await promiseOf(dev.apply.urn),
            props: asAnalyzerProps(r.inputs),
            config: { production: true },
        });
        return { dev, out };
    }

    it("finds the config.toml on a real EdgeDevice's apply step: quickstart rejected", async () => {
        const { out } = await applyStepOutcome("edge-q", golden("edge-ca-quickstart.toml"));
        assert.equal(out.violations.length, 1);
        assert.match(
            out.violations[0],
            /^EdgeDevice "edge-q" \(command edge-q-apply\): edge_ca\.auto_generated_edge_ca_expiry_days = \d+: a quickstart Edge CA is not allowed in production\./,
        );
    });

    it("finds the config.toml on a real EdgeDevice's apply step: PKI files accepted", async () => {
        const { out } = await applyStepOutcome("edge-p", golden("edge-ca-pki.toml"));
        assert.deepEqual(out.violations, []);
    });

    it("the real device steps satisfy edge-device-config-visible", async () => {
        const { dev } = await applyStepOutcome("edge-v", golden("edge-ca-est.toml"));
        await promiseOf(dev.urn);
        const children = recorded
            .filter((r) => r.name.startsWith("edge-v-"))
            .map((r) => ({ type: r.type, name: r.name, parent: "edge-v" }));
        assert.deepEqual(children.map((c) => c.name).sort(), [
            "edge-v-apply",
            "edge-v-files",
            "edge-v-install",
        ]);
        const out = await runStack(
            edgeDeviceConfigVisible,
            [{ type: "iotedge:device:EdgeDevice", name: "edge-v" }, ...children],
            { production: true },
        );
        assert.deepEqual(out.violations, []);
    });
});
