/**
 * Each guardrail called directly, as the analyzer calls it (./harness.ts): compliant and
 * non-compliant resources, production and non-production config, exact messages.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

import {
    certificateLifetimeBounds,
    edgeDeviceConfigVisible,
    noFreeTierHub,
    noQuickstartEdgeCa,
    noSymmetricKeyAttestation,
    tlsAndLocalAuth,
} from "../../policy/policies";
import { runResource, runStack, UNKNOWN_STRING, urnOf } from "./harness";

const PROD = { production: true };
const NOT_PROD = { production: false };
const NOT_PROD_REASON = "not a production stack (policy config production is false)";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const CONNECTION = {
    hostName: "contoso-dps-prod.azure-devices-provisioning.net",
    policyName: "provisioningserviceowner",
    policyKey: "cG9saWN5LWtleQ==",
    __provider: "exports.handler = ...",
};

describe("policy no-symmetric-key-attestation", () => {
    const group = (attestation: unknown) => ({
        type: DYNAMIC,
        name: "edge-group",
        props: { ...CONNECTION, enrollmentGroupId: "edge-group", attestation },
    });
    const individual = (attestation: unknown) => ({
        type: DYNAMIC,
        name: "dev-1-enrollment",
        props: { ...CONNECTION, registrationId: "dev-1", attestation },
    });
    const identity = (extra: Record<string, unknown>) => ({
        type: DYNAMIC,
        name: "dev-1-identity",
        props: { ...CONNECTION, hostName: "hub.azure-devices.net", deviceId: "dev-1", ...extra },
    });

    it("rejects a symmetric-key enrollment group in production, naming the property and the fix", async () => {
        const out = await runResource(noSymmetricKeyAttestation, {
            ...group({ type: "symmetricKey" }),
            config: PROD,
        });
        assert.deepEqual(out.violations, [
            'EnrollmentGroup "edge-group": attestation.type is "symmetricKey"; symmetric-key attestation is not allowed in production. Use attestation type "x509CaReferences" or "x509" (CA certificates from the fleet PKI).',
        ]);
    });

    it("rejects a symmetric-key individual enrollment in production", async () => {
        const out = await runResource(noSymmetricKeyAttestation, {
            ...individual({ type: "symmetricKey" }),
            config: PROD,
        });
        assert.deepEqual(out.violations, [
            'IndividualEnrollment "dev-1-enrollment": attestation.type is "symmetricKey"; symmetric-key attestation is not allowed in production. Use attestation type "x509" (the device\'s certificate from the fleet PKI) or "tpm".',
        ]);
    });

    it("rejects SAS device identities, explicit or by default", async () => {
        const explicit = await runResource(noSymmetricKeyAttestation, {
            ...identity({ authentication: { type: "sas" } }),
            config: PROD,
        });
        assert.deepEqual(explicit.violations, [
            'HubDeviceIdentity "dev-1-identity": authentication.type is "sas"; SAS device authentication is not allowed in production. Set authentication.type to "certificateAuthority" (device certificate issued by a CA verified on the hub) or "selfSigned" (certificate thumbprints).',
        ]);
        const byDefault = await runResource(noSymmetricKeyAttestation, {
            ...identity({}),
            config: PROD,
        });
        assert.equal(byDefault.violations.length, 1);
        assert.match(
            byDefault.violations[0],
            /^HubDeviceIdentity "dev-1-identity": authentication is not set, which means SAS \(\{ type: "sas" \}\);/,
        );
    });

    it("accepts X.509, CA-reference and TPM attestation and certificate authentication", async () => {
        const compliant = [
            group({ type: "x509", signingCertificates: { primary: "PEM" } }),
            group({ type: "x509CaReferences", caReferences: { primary: "devices" } }),
            individual({ type: "x509", clientCertificates: { primary: "PEM" } }),
            individual({ type: "tpm", endorsementKey: "ek" }),
            identity({ authentication: { type: "certificateAuthority" } }),
            identity({ authentication: { type: "selfSigned", primaryThumbprint: "AB" } }),
        ];
        for (const r of compliant) {
            const out = await runResource(noSymmetricKeyAttestation, { ...r, config: PROD });
            assert.deepEqual(out, { violations: [], urns: [] }, JSON.stringify(r.props));
        }
    });

    it("recognises a named dynamic type token and a __kind marker", async () => {
        const named = await runResource(noSymmetricKeyAttestation, {
            type: "pulumi-nodejs:dynamic/iotedge:EnrollmentGroup",
            name: "g",
            props: { attestation: { type: "symmetricKey" } },
            config: PROD,
        });
        assert.equal(named.violations.length, 1);
        const kind = await runResource(noSymmetricKeyAttestation, {
            type: DYNAMIC,
            name: "i",
            props: { __kind: "IndividualEnrollment", attestation: { type: "symmetricKey" } },
            config: PROD,
        });
        assert.match(kind.violations[0], /^IndividualEnrollment "i": attestation.type/);
    });

    it("is not applicable outside production (default config too), so dev stacks may use keys", async () => {
        for (const config of [NOT_PROD, undefined]) {
            const out = await runResource(noSymmetricKeyAttestation, {
                ...group({ type: "symmetricKey" }),
                config,
            });
            assert.deepEqual(out.violations, []);
            assert.equal(out.notApplicable, NOT_PROD_REASON);
        }
    });

    it("ignores resources that are not ours, even in production", async () => {
        const out = await runResource(noSymmetricKeyAttestation, {
            type: "azure-native:iothub:IotHubResource",
            name: "hub",
            props: { attestation: { type: "symmetricKey" }, enrollmentGroupId: "x" },
            config: PROD,
        });
        assert.deepEqual(out, { violations: [], urns: [] });
    });
});

describe("policy no-quickstart-edge-ca", () => {
    const golden = (f: string) =>
        fs.readFileSync(path.join(__dirname, "..", "render", "golden", f), "utf8");
    const DEVICE = ["iotedge:fleet:Fleet", "iotedge:device:EdgeDevice"];
    const apply = (stdin: unknown, config: Record<string, unknown> | undefined = PROD) => ({
        type: "command:remote:Command",
        name: "dev-1-apply",
        ancestors: DEVICE,
        props: stdin === undefined ? { create: "sh apply" } : { create: "sh apply", stdin },
        config,
    });
    const FIX =
        'Render [edge_ca] with cert/pk files from the fleet PKI (device edgeCa.mode "pki") or with method = "est" (edgeCa.mode "est").';

    it("rejects a quickstart config.toml on a device's apply step in production", async () => {
        const out = await runResource(noQuickstartEdgeCa, apply(golden("edge-ca-quickstart.toml")));
        const days = /auto_generated_edge_ca_expiry_days = (\d+)/.exec(
            golden("edge-ca-quickstart.toml"),
        )![1];
        assert.deepEqual(out.violations, [
            `EdgeDevice "dev-1" (command dev-1-apply): edge_ca.auto_generated_edge_ca_expiry_days = ${days}: a quickstart Edge CA is not allowed in production. ${FIX}`,
        ]);
    });

    it("rejects a config.toml without [edge_ca] (IoT Edge's implicit quickstart)", async () => {
        const out = await runResource(
            noQuickstartEdgeCa,
            apply('[provisioning]\nsource = "dps"\n'),
        );
        assert.deepEqual(out.violations, [
            `EdgeDevice "dev-1" (command dev-1-apply): config.toml has no [edge_ca] table, so IoT Edge generates a quickstart Edge CA: a quickstart Edge CA is not allowed in production. ${FIX}`,
        ]);
    });

    it("accepts the PKI and EST Edge CAs the renderer writes", async () => {
        for (const f of ["edge-ca-pki.toml", "edge-ca-est.toml", "edge-ca-est-auto-renew.toml"]) {
            const out = await runResource(noQuickstartEdgeCa, apply(golden(f)));
            assert.deepEqual(out, { violations: [], urns: [] }, f);
        }
    });

    it("rejects local_ca unless the config allows it", async () => {
        const text = '[provisioning]\nsource = "dps"\n[edge_ca]\nmethod = "local_ca"\n';
        const denied = await runResource(noQuickstartEdgeCa, apply(text));
        assert.deepEqual(denied.violations, [
            `EdgeDevice "dev-1" (command dev-1-apply): edge_ca.method = "local_ca": Edge CA mode "local_ca" is not allowed in production (allowed: files, est). ${FIX}`,
        ]);
        const allowed = await runResource(
            noQuickstartEdgeCa,
            apply(text, { ...PROD, allowedEdgeCaModes: ["files", "est", "local_ca"] }),
        );
        assert.deepEqual(allowed.violations, []);
    });

    it("rejects an unparseable config.toml", async () => {
        const out = await runResource(noQuickstartEdgeCa, apply("[provisioning\n"));
        assert.equal(out.violations.length, 1);
        assert.match(
            out.violations[0],
            /^EdgeDevice "dev-1" \(command dev-1-apply\): the Edge CA cannot be checked: config\.toml is not valid TOML \(line \d+, column \d+\)\. Render/,
        );
    });

    it("rejects an apply step without config.toml (EFLOW) unless allowUncheckedDevices", async () => {
        const out = await runResource(noQuickstartEdgeCa, apply(undefined));
        assert.deepEqual(out.violations, [
            `EdgeDevice "dev-1" (command dev-1-apply): stdin carries no config.toml (an EFLOW device?), so its Edge CA cannot be checked. Give the device a config.toml with [edge_ca] from the fleet PKI or EST, or set allowUncheckedDevices in this policy's config.`,
        ]);
        const allowed = await runResource(
            noQuickstartEdgeCa,
            apply(undefined, { ...PROD, allowUncheckedDevices: true }),
        );
        assert.deepEqual(allowed.violations, []);
    });

    it("lets an unknown config.toml (preview) reach the framework's can't-run-in-preview path", async () => {
        await assert.rejects(
            runResource(noQuickstartEdgeCa, apply(UNKNOWN_STRING)),
            (e: Error) => e.constructor.name === "UnknownValueError" && /\.stdin/.test(e.message),
        );
    });

    it("is not applicable outside production, without reading an unknown stdin", async () => {
        for (const stdin of [golden("edge-ca-quickstart.toml"), UNKNOWN_STRING]) {
            const out = await runResource(noQuickstartEdgeCa, apply(stdin, NOT_PROD));
            assert.deepEqual(out.violations, []);
            assert.equal(out.notApplicable, NOT_PROD_REASON);
        }
    });

    it("also catches a quickstart config.toml pushed by any other remote command", async () => {
        const out = await runResource(noQuickstartEdgeCa, {
            type: "command:remote:Command",
            name: "hand-rolled",
            props: {
                create: "cat > /etc/aziot/config.toml",
                stdin: golden("edge-ca-quickstart.toml"),
            },
            config: PROD,
        });
        assert.equal(out.violations.length, 1);
        assert.match(
            out.violations[0],
            /^Command "hand-rolled" \(stdin is an IoT Edge config\.toml\): edge_ca\.auto_generated_edge_ca_expiry_days = \d+: a quickstart Edge CA/,
        );
    });

    it("ignores other commands: the files step's secret manifest, unknown stdin, no stdin", async () => {
        for (const stdin of ["f identity-key 0600 S0VZ\n", UNKNOWN_STRING, undefined]) {
            const out = await runResource(noQuickstartEdgeCa, {
                type: "command:remote:Command",
                name: "dev-1-files",
                ancestors: DEVICE,
                props: stdin === undefined ? {} : { stdin },
                config: PROD,
            });
            assert.deepEqual(out, { violations: [], urns: [] });
        }
    });
});

describe("policy edge-device-config-visible", () => {
    const DEVICE = "iotedge:device:EdgeDevice";
    const CMD = "command:remote:Command";

    it("flags, by URN, an EdgeDevice without its apply step in production", async () => {
        const out = await runStack(
            edgeDeviceConfigVisible,
            [
                { type: DEVICE, name: "dev-1" },
                { type: CMD, name: "dev-1-install", parent: "dev-1" },
                { type: CMD, name: "dev-1-apply", parent: "dev-1" },
                { type: DEVICE, name: "dev-2" },
                { type: CMD, name: "dev-2-install", parent: "dev-2" },
                { type: CMD, name: "dev-2-configure", parent: "dev-2" },
                // An apply step that is not dev-2's child does not count for dev-2.
                { type: CMD, name: "dev-2-apply" },
            ],
            PROD,
        );
        assert.deepEqual(out.violations, [
            'EdgeDevice "dev-2" has no child command:remote:Command named "<device>-apply", so no-quickstart-edge-ca cannot see its config.toml. Keep the apply step\'s name and type (components/device/edge-device.ts) or update policy/markers.ts.',
        ]);
        assert.deepEqual(out.urns, [urnOf([DEVICE], "dev-2")]);
    });

    it("passes when every device has its apply step, and is not applicable outside production", async () => {
        const resources = [
            { type: DEVICE, name: "dev-1" },
            { type: CMD, name: "dev-1-apply", parent: "dev-1" },
            { type: DEVICE, name: "dev-2" },
        ];
        assert.deepEqual(
            (await runStack(edgeDeviceConfigVisible, resources.slice(0, 2), PROD)).violations,
            [],
        );
        const dev = await runStack(edgeDeviceConfigVisible, resources, NOT_PROD);
        assert.deepEqual(dev.violations, []);
        assert.equal(dev.notApplicable, NOT_PROD_REASON);
    });
});

describe("policy certificate-lifetime-bounds", () => {
    const SELF = "tls:index/selfSignedCert:SelfSignedCert";
    const LOCAL = "tls:index/locallySignedCert:LocallySignedCert";
    const cert = (
        type: string,
        props: Record<string, unknown>,
        config?: Record<string, unknown>,
    ) => ({
        type,
        name: "pki-root-cert",
        props: { certRequestPem: "PEM", ...props },
        config,
    });

    it("bounds CA certificates by maxCaValidityHours (default 10 years)", async () => {
        const over = await runResource(
            certificateLifetimeBounds,
            cert(SELF, { isCaCertificate: true, validityPeriodHours: 87624 }),
        );
        assert.deepEqual(over.violations, [
            'SelfSignedCert "pki-root-cert": validityPeriodHours is 87624 (3651 days) for a CA certificate (isCaCertificate: true); the maximum is 87600 (3650 days) (policy config maxCaValidityHours). Lower the validity (fleet pki validityDays).',
        ]);
        const at = await runResource(
            certificateLifetimeBounds,
            cert(SELF, { isCaCertificate: true, validityPeriodHours: 87600 }),
        );
        assert.deepEqual(at.violations, []);
    });

    it("bounds leaf certificates separately, with the configured maximum", async () => {
        const config = { maxLeafValidityHours: 720 };
        const leaf = await runResource(
            certificateLifetimeBounds,
            cert(LOCAL, { validityPeriodHours: 721 }, config),
        );
        assert.deepEqual(leaf.violations, [
            'LocallySignedCert "pki-root-cert": validityPeriodHours is 721 for a leaf certificate; the maximum is 720 (30 days) (policy config maxLeafValidityHours). Lower the validity (fleet pki validityDays).',
        ]);
        // The same lifetime on a CA certificate is within the CA bound.
        const ca = await runResource(
            certificateLifetimeBounds,
            cert(LOCAL, { isCaCertificate: true, validityPeriodHours: 721 }, config),
        );
        assert.deepEqual(ca.violations, []);
    });

    it("requires early renewal of leaf certificates only when configured", async () => {
        const config = { requireLeafEarlyRenewal: true };
        const missing = await runResource(
            certificateLifetimeBounds,
            cert(LOCAL, { validityPeriodHours: 8760 }, config),
        );
        assert.deepEqual(missing.violations, [
            'LocallySignedCert "pki-root-cert": earlyRenewalHours is not set for a leaf certificate; set earlyRenewalHours > 0 so it is reissued before it expires (fleet pki.deviceCertificates.earlyRenewalDays).',
        ]);
        const zero = await runResource(
            certificateLifetimeBounds,
            cert(LOCAL, { validityPeriodHours: 8760, earlyRenewalHours: 0 }, config),
        );
        assert.match(zero.violations[0], /earlyRenewalHours is 0 for a leaf certificate/);
        const ok = await runResource(
            certificateLifetimeBounds,
            cert(LOCAL, { validityPeriodHours: 8760, earlyRenewalHours: 720 }, config),
        );
        assert.deepEqual(ok.violations, []);
        const notRequired = await runResource(
            certificateLifetimeBounds,
            cert(LOCAL, { validityPeriodHours: 8760 }),
        );
        assert.deepEqual(notRequired.violations, []);
        const caExempt = await runResource(
            certificateLifetimeBounds,
            cert(SELF, { isCaCertificate: true, validityPeriodHours: 8760 }, config),
        );
        assert.deepEqual(caExempt.violations, []);
    });

    it("rejects an early-renewal window as long as the validity (replaced on every update)", async () => {
        const out = await runResource(
            certificateLifetimeBounds,
            cert(SELF, { isCaCertificate: true, validityPeriodHours: 720, earlyRenewalHours: 720 }),
        );
        assert.deepEqual(out.violations, [
            'SelfSignedCert "pki-root-cert": earlyRenewalHours (720) is not less than validityPeriodHours (720), so the certificate is due for renewal as soon as it is issued and is replaced on every update. Make earlyRenewalHours shorter than the validity.',
        ]);
    });

    it("applies in every environment and ignores other tls resources", async () => {
        const dev = await runResource(
            certificateLifetimeBounds,
            cert(SELF, { validityPeriodHours: 100000 }, NOT_PROD),
        );
        assert.equal(dev.violations.length, 1);
        assert.equal(dev.notApplicable, undefined);
        const key = await runResource(certificateLifetimeBounds, {
            type: "tls:index/privateKey:PrivateKey",
            name: "k",
            props: { validityPeriodHours: 100000 },
        });
        assert.deepEqual(key, { violations: [], urns: [] });
    });
});

describe("policy no-free-tier-hub", () => {
    const hub = (
        sku: string,
        config: Record<string, unknown> | undefined = PROD,
        type = "azure-native:iothub:IotHubResource",
    ) => ({
        type,
        name: "contoso-iot-prod-weu",
        props: { resourceGroupName: "rg", sku: { name: sku, capacity: 1 } },
        config,
    });

    it("rejects F1 in production, under the v3 and v2 type tokens", async () => {
        for (const type of [
            "azure-native:iothub:IotHubResource",
            "azure-native:devices:IotHubResource",
        ]) {
            const out = await runResource(noFreeTierHub, hub("F1", PROD, type));
            assert.deepEqual(out.violations, [
                'IotHubResource "contoso-iot-prod-weu": sku.name is "F1" (free tier), which is not allowed in production. Use a standard tier: S1, S2 or S3.',
            ]);
        }
    });

    it("accepts standard tiers, and basic tiers unless disallowBasicTier", async () => {
        for (const sku of ["S1", "S2", "S3", "B1"]) {
            assert.deepEqual((await runResource(noFreeTierHub, hub(sku))).violations, [], sku);
        }
        const basic = await runResource(
            noFreeTierHub,
            hub("B2", { ...PROD, disallowBasicTier: true }),
        );
        assert.deepEqual(basic.violations, [
            'IotHubResource "contoso-iot-prod-weu": sku.name is "B2" (basic tier), which this stack\'s policy config disallows (disallowBasicTier): the basic tier has no cloud-to-device messaging, twins or IoT Edge. Use a standard tier: S1, S2 or S3.',
        ]);
    });

    it("is not applicable outside production", async () => {
        const out = await runResource(noFreeTierHub, hub("F1", NOT_PROD));
        assert.deepEqual(out.violations, []);
        assert.equal(out.notApplicable, NOT_PROD_REASON);
    });
});

describe("policy tls-and-local-auth", () => {
    const HUB = "azure-native:iothub:IotHubResource";
    const DPS = "azure-native:deviceprovisioningservices:IotDpsResource";
    const hub = (
        properties: Record<string, unknown> | undefined,
        config?: Record<string, unknown>,
    ) => ({
        type: HUB,
        name: "contoso-iot-prod-weu",
        props: { sku: { name: "S1" }, ...(properties ? { properties } : {}) },
        config,
    });

    it("requires minTlsVersion 1.2 by default, naming the property and the fix", async () => {
        const unset = await runResource(tlsAndLocalAuth, hub(undefined));
        assert.deepEqual(unset.violations, [
            'IotHubResource "contoso-iot-prod-weu": properties.minTlsVersion is not set; this stack\'s policy config requires "1.2". Set properties.minTlsVersion to "1.2".',
        ]);
        const old = await runResource(tlsAndLocalAuth, hub({ minTlsVersion: "1.0" }));
        assert.deepEqual(old.violations, [
            'IotHubResource "contoso-iot-prod-weu": properties.minTlsVersion is "1.0"; this stack\'s policy config requires "1.2". Set properties.minTlsVersion to "1.2".',
        ]);
        assert.deepEqual(
            (await runResource(tlsAndLocalAuth, hub({ minTlsVersion: "1.2" }))).violations,
            [],
        );
        const unchecked = await runResource(
            tlsAndLocalAuth,
            hub(undefined, { minTlsVersion: null }),
        );
        assert.deepEqual(unchecked.violations, []);
    });

    it("checks disableLocalAuth only when configured, unset meaning false", async () => {
        const base = { minTlsVersion: "1.2" };
        assert.deepEqual((await runResource(tlsAndLocalAuth, hub(base))).violations, []);
        const want = await runResource(tlsAndLocalAuth, hub(base, { disableLocalAuth: true }));
        assert.deepEqual(want.violations, [
            'IotHubResource "contoso-iot-prod-weu": properties.disableLocalAuth is not set; this stack\'s policy config requires true. Set properties.disableLocalAuth to true (unset means false).',
        ]);
        const keep = await runResource(
            tlsAndLocalAuth,
            hub({ ...base, disableLocalAuth: true }, { disableLocalAuth: false }),
        );
        assert.deepEqual(keep.violations, [
            'IotHubResource "contoso-iot-prod-weu": properties.disableLocalAuth is true; this stack\'s policy config requires false. Set properties.disableLocalAuth to false.',
        ]);
        assert.deepEqual(
            (await runResource(tlsAndLocalAuth, hub(base, { disableLocalAuth: false }))).violations,
            [],
        );
    });

    it("checks hub and DPS publicNetworkAccess when configured (case-insensitive)", async () => {
        const config = { hubPublicNetworkAccess: "Disabled", dpsPublicNetworkAccess: "Disabled" };
        const openHub = await runResource(
            tlsAndLocalAuth,
            hub({ minTlsVersion: "1.2", publicNetworkAccess: "Enabled" }, config),
        );
        assert.deepEqual(openHub.violations, [
            'IotHubResource "contoso-iot-prod-weu": properties.publicNetworkAccess is "Enabled"; this stack\'s policy config requires "Disabled". Set properties.publicNetworkAccess to "Disabled".',
        ]);
        const closedHub = await runResource(
            tlsAndLocalAuth,
            hub({ minTlsVersion: "1.2", publicNetworkAccess: "disabled" }, config),
        );
        assert.deepEqual(closedHub.violations, []);
        const dps = (properties: Record<string, unknown>, c?: Record<string, unknown>) =>
            runResource(tlsAndLocalAuth, {
                type: DPS,
                name: "contoso-dps-prod",
                props: { properties },
                config: c,
            });
        assert.deepEqual((await dps({}, config)).violations, [
            'IotDpsResource "contoso-dps-prod": properties.publicNetworkAccess is not set; this stack\'s policy config requires "Disabled". Set properties.publicNetworkAccess to "Disabled".',
        ]);
        assert.deepEqual((await dps({ publicNetworkAccess: "Disabled" }, config)).violations, []);
        // Unconfigured: DPS is not checked at all (minTlsVersion is a hub setting).
        assert.deepEqual((await dps({})).violations, []);
    });
});
