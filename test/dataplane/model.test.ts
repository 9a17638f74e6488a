import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import {
    EnrollmentGroupProps,
    IndividualEnrollmentProps,
    pemSha256Thumbprint,
    toEnrollmentGroupBody,
    toIndividualEnrollmentBody,
    validateEnrollmentGroup,
    validateIndividualEnrollment,
    enrollmentGroupStateFromBody,
} from "../../components/dataplane/enrollment-model";
import {
    DeviceIdentityProps,
    toDeviceBody,
    validateDeviceIdentity,
} from "../../components/dataplane/device-model";
import {
    canonicalJson,
    diffDeviceIdentity,
    diffEnrollmentGroup,
    diffIndividualEnrollment,
} from "../../components/dataplane/diff";
import { dpsRequestDefinitions, hubDeviceSchema } from "./fake-services";
import * as crypto from "crypto";

const PEM_A = fs.readFileSync(path.join(__dirname, "fixtures/root-a.pem"), "utf8");
const PEM_B = fs.readFileSync(path.join(__dirname, "fixtures/root-b.pem"), "utf8");
const K1 = Buffer.alloc(32, 1).toString("base64");
const K2 = Buffer.alloc(32, 2).toString("base64");
const CONN = {
    hostName: "dps1.azure-devices-provisioning.net",
    policyName: "provisioningserviceowner",
    policyKey: K1,
};

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat("int32", true);
ajv.addSchema({ $id: "dps", definitions: dpsRequestDefinitions() });
const validGroup = ajv.compile({ $ref: "dps#/definitions/EnrollmentGroup" });
const validIndividual = ajv.compile({ $ref: "dps#/definitions/IndividualEnrollment" });
const validDevice = ajv.compile(hubDeviceSchema());

const group = (over: Partial<EnrollmentGroupProps> = {}): EnrollmentGroupProps => ({
    ...CONN,
    enrollmentGroupId: "edge-group",
    attestation: { type: "symmetricKey" },
    ...over,
});

describe("toEnrollmentGroupBody (spec EnrollmentGroup)", () => {
    const table: Array<[string, EnrollmentGroupProps, unknown]> = [
        [
            "symmetric key, DPS-generated keys, defaults",
            group(),
            {
                enrollmentGroupId: "edge-group",
                attestation: { type: "symmetricKey", symmetricKey: {} },
                capabilities: { iotEdge: false },
                provisioningStatus: "enabled",
            },
        ],
        [
            "symmetric key with given keys, every option",
            group({
                primaryKey: K1,
                secondaryKey: K2,
                iotEdge: true,
                initialTwin: {
                    tags: { site: "plant-3" },
                    properties: { desired: { interval: 30 } },
                },
                provisioningStatus: "disabled",
                reprovisionPolicy: { updateHubAssignment: false, migrateDeviceData: true },
                allocationPolicy: "static",
                iotHubs: ["hub1.azure-devices.net"],
            }),
            {
                enrollmentGroupId: "edge-group",
                attestation: {
                    type: "symmetricKey",
                    symmetricKey: { primaryKey: K1, secondaryKey: K2 },
                },
                capabilities: { iotEdge: true },
                provisioningStatus: "disabled",
                initialTwin: {
                    tags: { site: "plant-3" },
                    properties: { desired: { interval: 30 } },
                },
                reprovisionPolicy: { updateHubAssignment: false, migrateDeviceData: true },
                allocationPolicy: "static",
                iotHubs: ["hub1.azure-devices.net"],
            },
        ],
        [
            "X.509 signing certificates as PEM under signingCertificates.*.certificate",
            group({
                attestation: {
                    type: "x509",
                    signingCertificates: { primary: PEM_A, secondary: PEM_B },
                },
            }),
            {
                enrollmentGroupId: "edge-group",
                attestation: {
                    type: "x509",
                    x509: {
                        signingCertificates: {
                            primary: { certificate: PEM_A },
                            secondary: { certificate: PEM_B },
                        },
                    },
                },
                capabilities: { iotEdge: false },
                provisioningStatus: "enabled",
            },
        ],
        [
            "X.509 CA references",
            group({
                attestation: { type: "x509CaReferences", caReferences: { primary: "root-a" } },
            }),
            {
                enrollmentGroupId: "edge-group",
                attestation: { type: "x509", x509: { caReferences: { primary: "root-a" } } },
                capabilities: { iotEdge: false },
                provisioningStatus: "enabled",
            },
        ],
    ];
    for (const [name, props, expected] of table) {
        it(name, () => {
            const body = toEnrollmentGroupBody(props);
            assert.deepStrictEqual(body, expected);
            assert.ok(validGroup(body), JSON.stringify(validGroup.errors));
            assert.deepStrictEqual(validateEnrollmentGroup(props), []);
            assert.ok(!("policyKey" in body) && !("hostName" in body));
        });
    }
});

describe("toIndividualEnrollmentBody (spec IndividualEnrollment)", () => {
    const base = { ...CONN, registrationId: "dev-01" };
    const table: Array<[string, IndividualEnrollmentProps, unknown]> = [
        [
            "X.509 client certificate + deviceId",
            {
                ...base,
                deviceId: "edge-01",
                attestation: { type: "x509", clientCertificates: { primary: PEM_A } },
                iotEdge: true,
            },
            {
                registrationId: "dev-01",
                deviceId: "edge-01",
                attestation: {
                    type: "x509",
                    x509: { clientCertificates: { primary: { certificate: PEM_A } } },
                },
                capabilities: { iotEdge: true },
                provisioningStatus: "enabled",
            },
        ],
        [
            "TPM",
            { ...base, attestation: { type: "tpm", endorsementKey: "AToAAQALAAMAsgAg" } },
            {
                registrationId: "dev-01",
                attestation: { type: "tpm", tpm: { endorsementKey: "AToAAQALAAMAsgAg" } },
                capabilities: { iotEdge: false },
                provisioningStatus: "enabled",
            },
        ],
        [
            "symmetric key",
            { ...base, attestation: { type: "symmetricKey" }, primaryKey: K1, secondaryKey: K2 },
            {
                registrationId: "dev-01",
                attestation: {
                    type: "symmetricKey",
                    symmetricKey: { primaryKey: K1, secondaryKey: K2 },
                },
                capabilities: { iotEdge: false },
                provisioningStatus: "enabled",
            },
        ],
    ];
    for (const [name, props, expected] of table) {
        it(name, () => {
            const body = toIndividualEnrollmentBody(props);
            assert.deepStrictEqual(body, expected);
            assert.ok(validIndividual(body), JSON.stringify(validIndividual.errors));
            assert.deepStrictEqual(validateIndividualEnrollment(props), []);
        });
    }
});

describe("validation reports every problem with its path", () => {
    it("enrollment group", () => {
        const problems = validateEnrollmentGroup({
            hostName: "",
            policyName: "p",
            policyKey: "k",
            enrollmentGroupId: "-bad-",
            attestation: { type: "x509", signingCertificates: { primary: "not a pem" } },
            primaryKey: K1,
            allocationPolicy: "Hashed" as never,
            iotHubs: ["a b"],
        });
        assert.deepStrictEqual(
            problems.map((p) => p.slice(0, p.indexOf(":"))),
            [
                "hostName",
                "enrollmentGroupId",
                "attestation.signingCertificates.primary",
                "primaryKey",
                "allocationPolicy",
                "iotHubs[0]",
            ],
        );
    });

    it("keys: base64 16-64 bytes, both or neither, never echoed", () => {
        const short = Buffer.alloc(8).toString("base64");
        const problems = validateEnrollmentGroup(group({ primaryKey: short }));
        assert.ok(problems.some((p) => p.startsWith("primaryKey: must decode to 16-64 bytes")));
        assert.ok(problems.some((p) => p.startsWith("primaryKey/secondaryKey: give both")));
        assert.ok(problems.every((p) => !p.includes(short)));
    });

    it("individual enrollment and device identity", () => {
        assert.deepStrictEqual(
            validateIndividualEnrollment({
                ...CONN,
                registrationId: "ok",
                attestation: { type: "tpm", endorsementKey: "" },
            }),
            ["attestation.endorsementKey: required for TPM attestation"],
        );
        const device = (over: Partial<DeviceIdentityProps>): DeviceIdentityProps => ({
            ...CONN,
            deviceId: "d1",
            ...over,
        });
        assert.deepStrictEqual(validateDeviceIdentity(device({})), []);
        assert.deepStrictEqual(
            validateDeviceIdentity(
                device({
                    deviceId: "a#b",
                    authentication: { type: "selfSigned", primaryThumbprint: "xyz" },
                    primaryKey: K1,
                    parentDeviceScope: "edge1",
                }),
            ).map((p) => p.slice(0, p.indexOf(":"))),
            [
                "deviceId",
                "authentication.primaryThumbprint",
                "primaryKey/secondaryKey",
                "parentDeviceScope",
            ],
        );
    });
});

describe("toDeviceBody (registry Device)", () => {
    const base: DeviceIdentityProps = {
        ...CONN,
        hostName: "hub1.azure-devices.net",
        deviceId: "edge-01",
    };
    const scope = "ms-azure-iot-edge://gw-1-637000";
    const table: Array<[string, DeviceIdentityProps, unknown]> = [
        [
            "edge, hub-generated SAS keys",
            { ...base, iotEdge: true },
            {
                deviceId: "edge-01",
                status: "enabled",
                capabilities: { iotEdge: true },
                authentication: { type: "sas" },
                parentScopes: [],
            },
        ],
        [
            "nested edge child: parentScopes = [parent scope]",
            { ...base, iotEdge: true, parentDeviceScope: scope, primaryKey: K1, secondaryKey: K2 },
            {
                deviceId: "edge-01",
                status: "enabled",
                capabilities: { iotEdge: true },
                authentication: { type: "sas", symmetricKey: { primaryKey: K1, secondaryKey: K2 } },
                parentScopes: [scope],
            },
        ],
        [
            "leaf behind a gateway: deviceScope = parent scope",
            { ...base, parentDeviceScope: scope, authentication: { type: "certificateAuthority" } },
            {
                deviceId: "edge-01",
                status: "enabled",
                capabilities: { iotEdge: false },
                authentication: { type: "certificateAuthority" },
                deviceScope: scope,
            },
        ],
        [
            "self-signed X.509",
            {
                ...base,
                status: "disabled",
                authentication: {
                    type: "selfSigned",
                    primaryThumbprint: "A".repeat(40),
                    secondaryThumbprint: "B".repeat(64),
                },
            },
            {
                deviceId: "edge-01",
                status: "disabled",
                capabilities: { iotEdge: false },
                authentication: {
                    type: "selfSigned",
                    x509Thumbprint: {
                        primaryThumbprint: "A".repeat(40),
                        secondaryThumbprint: "B".repeat(64),
                    },
                },
            },
        ],
    ];
    for (const [name, props, expected] of table) {
        it(name, () => {
            const body = toDeviceBody(props);
            assert.deepStrictEqual(body, expected);
            assert.ok(validDevice(body), JSON.stringify(validDevice.errors));
            assert.deepStrictEqual(validateDeviceIdentity(props), []);
        });
    }

    it("sends an edge device's own (immutable) deviceScope back on update", () => {
        const body = toDeviceBody(
            { ...base, iotEdge: true },
            { ...base, iotEdge: true, deviceScope: "ms-azure-iot-edge://edge-01-1" },
        );
        assert.strictEqual(body.deviceScope, "ms-azure-iot-edge://edge-01-1");
    });
});

describe("read-back of X.509 certificates (DPS reports info, not the PEM)", () => {
    it("keeps our PEM while the thumbprint matches, flags a change otherwise", () => {
        const thumb = crypto
            .createHash("sha256")
            .update(new crypto.X509Certificate(PEM_A).raw)
            .digest("hex")
            .toUpperCase();
        assert.strictEqual(pemSha256Thumbprint(PEM_A), thumb);
        const prior = group({
            attestation: { type: "x509", signingCertificates: { primary: PEM_A } },
        });
        const served = (t: string) => ({
            enrollmentGroupId: "edge-group",
            attestation: {
                type: "x509" as const,
                x509: { signingCertificates: { primary: { info: { sha256Thumbprint: t } } } },
            },
        });
        const same = enrollmentGroupStateFromBody(served(thumb), prior);
        assert.deepStrictEqual(same.attestation, prior.attestation);
        assert.deepStrictEqual(same.certificateThumbprints, { primary: thumb });
        const changed = enrollmentGroupStateFromBody(served("00FF"), prior);
        assert.notDeepStrictEqual(changed.attestation, prior.attestation);
        assert.ok(diffEnrollmentGroup(changed, prior).changed.includes("attestation"));
    });
});

describe("diff", () => {
    const olds = { ...group({ primaryKey: K1, secondaryKey: K2, iotEdge: true }), etag: '"1"' };
    const table: Array<
        [
            string,
            Partial<EnrollmentGroupProps>,
            { changes: boolean; replaces: string[]; dbr: boolean; connectionOnly?: boolean },
        ]
    > = [
        [
            "no change (etag and generated values are state, not inputs)",
            { primaryKey: K1, secondaryKey: K2, iotEdge: true },
            { changes: false, replaces: [], dbr: false },
        ],
        [
            "omitted keys keep the generated ones",
            { iotEdge: true },
            { changes: false, replaces: [], dbr: false },
        ],
        [
            "new id replaces (create before delete)",
            { enrollmentGroupId: "other", iotEdge: true },
            { changes: true, replaces: ["enrollmentGroupId"], dbr: false },
        ],
        [
            "id differing only in case replaces, deleting first",
            { enrollmentGroupId: "Edge-Group", iotEdge: true },
            { changes: true, replaces: ["enrollmentGroupId"], dbr: true },
        ],
        [
            "new host replaces",
            { hostName: "dps2.azure-devices-provisioning.net", iotEdge: true },
            { changes: true, replaces: ["hostName"], dbr: false },
        ],
        [
            "host case does not matter",
            { hostName: "DPS1.azure-devices-provisioning.net", iotEdge: true },
            { changes: false, replaces: [], dbr: false },
        ],
        ["iotEdge updates", { iotEdge: false }, { changes: true, replaces: [], dbr: false }],
        [
            "key rotation updates",
            { primaryKey: K2, secondaryKey: K1, iotEdge: true },
            { changes: true, replaces: [], dbr: false },
        ],
        [
            "attestation change updates",
            {
                attestation: { type: "x509", signingCertificates: { primary: PEM_A } },
                iotEdge: true,
            },
            { changes: true, replaces: [], dbr: false },
        ],
        [
            "policy key rotation is connection-only",
            { policyKey: K2, iotEdge: true },
            { changes: true, replaces: [], dbr: false, connectionOnly: true },
        ],
        [
            "default reprovisionPolicy equals the spec default",
            {
                iotEdge: true,
                reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
            },
            { changes: false, replaces: [], dbr: false },
        ],
    ];
    for (const [name, over, expected] of table) {
        it(`enrollment group: ${name}`, () => {
            const d = diffEnrollmentGroup(olds, { ...group(), ...over });
            assert.deepStrictEqual(
                {
                    changes: d.changes,
                    replaces: d.replaces,
                    dbr: d.deleteBeforeReplace,
                    ...(expected.connectionOnly ? { connectionOnly: d.connectionOnly } : {}),
                },
                expected,
            );
        });
    }

    it("individual enrollment: registrationId replaces, deviceId updates", () => {
        const ind: IndividualEnrollmentProps = {
            ...CONN,
            registrationId: "dev-1",
            attestation: { type: "tpm", endorsementKey: "ek" },
        };
        assert.deepStrictEqual(
            diffIndividualEnrollment(ind, { ...ind, registrationId: "dev-2" }).replaces,
            ["registrationId"],
        );
        const d = diffIndividualEnrollment(ind, { ...ind, deviceId: "edge-1" });
        assert.deepStrictEqual([d.changes, d.replaces], [true, []]);
    });

    it("device identity: deviceId is case-sensitive (a new identity, no delete-first), parent updates", () => {
        const dev: DeviceIdentityProps = { ...CONN, deviceId: "gw", iotEdge: true };
        const renamed = diffDeviceIdentity(dev, { ...dev, deviceId: "GW" });
        assert.deepStrictEqual(
            [renamed.replaces, renamed.deleteBeforeReplace],
            [["deviceId"], false],
        );
        const reparented = diffDeviceIdentity(dev, {
            ...dev,
            parentDeviceScope: "ms-azure-iot-edge://p-1",
        });
        assert.deepStrictEqual(
            [reparented.changed, reparented.replaces],
            [["parentDeviceScope"], []],
        );
        assert.strictEqual(
            diffDeviceIdentity({ ...dev, status: "enabled", authentication: { type: "sas" } }, dev)
                .changes,
            false,
        );
    });

    it("canonicalJson ignores key order and undefined members", () => {
        assert.strictEqual(
            canonicalJson({ b: 1, a: [1, { d: 2, c: undefined }] }),
            canonicalJson({ a: [1, { d: 2 }], b: 1 }),
        );
        assert.notStrictEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
    });
});
