import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { parse } from "smol-toml";
import {
    DEFAULT_DPS_GLOBAL_ENDPOINT,
    deviceFileRoles,
    renderConfigToml,
} from "../../components/device/render";
import {
    CERTS_DIR,
    DEVICE_FILES,
    DeviceFileRole,
    fileUri,
    SECRETS_DIR,
} from "../../components/device/layout";
import { renewalPolicyError, ResolvedDevice } from "../../components/fleet";
import {
    CLOUD,
    device,
    EDGE_CA_CASES,
    estServer,
    GOLDEN_CASES,
    PROVISIONING_CASES,
    RawDevice,
    resolveDevices,
} from "./fixtures";
import { documentKeyPaths, officialTemplateKeyPaths } from "./template-keys";

const GOLDEN_DIR = path.join(__dirname, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

type Table = Record<string, unknown>;

/** Parse TOML into plain objects (smol-toml's tables have a null prototype). */
function parsePlain(text: string): Table {
    return JSON.parse(JSON.stringify(parse(text))) as Table;
}

function render(raw: RawDevice): { text: string; doc: Table; device: ResolvedDevice } {
    const d = device(raw);
    const text = renderConfigToml(d, CLOUD);
    return { text, doc: parsePlain(text), device: d };
}

function isTable(v: unknown): v is Table {
    return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

/** Every [path, value] of a document (arrays: one entry per element). */
function leaves(doc: Table, prefix = ""): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = [];
    for (const [k, v] of Object.entries(doc)) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (isTable(v)) out.push(...leaves(v, p));
        else if (Array.isArray(v)) v.forEach((e) => out.push([p, e]));
        else out.push([p, v]);
    }
    return out;
}

/** Every table of a document with its path. */
function tables(doc: Table, prefix = ""): Array<[string, Table]> {
    const out: Array<[string, Table]> = [];
    for (const [k, v] of Object.entries(doc)) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (isTable(v)) out.push([p, v], ...tables(v, p));
    }
    return out;
}

/** Key references (parsed as PreloadedKeyLocation, FACTS.md §2). */
const KEY_PATH =
    /(^|\.)(identity_pk|pk|bootstrap_identity_pk|device_id_pk\.uri|symmetric_key\.uri)$/;
/** Certificate references (parsed as URLs, certd needs file:, FACTS.md §2). */
const CERT_PATH =
    /(^|\.)(trust_bundle_cert|identity_cert|cert|bootstrap_identity_cert|trusted_certs)$/;

/**
 * Structural rules of a rendered config, from FACTS.md §2 (what `iotedge config apply` and the
 * services accept) and the secrets rule (../shared/STYLE.md).
 */
function assertStructure(text: string, doc: Table) {
    // Top-level keys before the first table (FACTS.md §1), checked on the text itself.
    const lines = text.split("\n");
    const firstTable = lines.findIndex((l) => l.startsWith("["));
    for (const [k, v] of Object.entries(doc)) {
        if (isTable(v)) continue;
        const at = lines.findIndex((l) => l.startsWith(`${k} = `));
        assert.ok(at >= 0 && at < firstTable, `top-level ${k} must precede the tables`);
    }
    if ("auto_reprovisioning_mode" in doc) {
        assert.ok(
            ["Dynamic", "AlwaysOnStartup", "OnErrorOnly"].includes(
                doc.auto_reprovisioning_mode as string,
            ),
        );
    }
    assert.equal(typeof doc.cloud_timeout_sec, "number");
    assert.ok(Number.isInteger(doc.cloud_timeout_sec) && (doc.cloud_timeout_sec as number) >= 70);
    assert.ok(Number.isInteger(doc.cloud_retries) && (doc.cloud_retries as number) >= 0);

    // [provisioning] (FACTS.md §2: required, tagged by source).
    const prov = doc.provisioning as Table;
    assert.ok(isTable(prov), "[provisioning] is required");
    assert.ok(!("connection_string" in prov), "no connection string: its key would be inline");
    if (prov.source === "manual") {
        assert.ok(typeof prov.iothub_hostname === "string" && typeof prov.device_id === "string");
        const auth = prov.authentication as Table;
        if (auth.method === "sas")
            assert.deepEqual(Object.keys(auth.device_id_pk as Table), ["uri"]);
        else {
            assert.equal(auth.method, "x509");
            assert.ok(
                typeof auth.identity_cert === "string" && typeof auth.identity_pk === "string",
            );
        }
    } else {
        assert.equal(prov.source, "dps");
        assert.ok(!("parent_hostname" in doc), "DPS provisioning is not supported in nested mode");
        assert.match(prov.global_endpoint as string, /^https:\/\//);
        assert.equal(typeof prov.id_scope, "string");
        const att = prov.attestation as Table;
        assert.ok(["symmetric_key", "x509", "tpm"].includes(att.method as string));
        assert.ok(typeof att.registration_id === "string" && att.registration_id !== "");
        if (att.method === "symmetric_key")
            assert.deepEqual(Object.keys(att.symmetric_key as Table), ["uri"]);
        if (att.method === "x509") {
            if (isTable(att.identity_cert)) {
                assert.equal(att.identity_cert.method, "est");
                assert.equal(att.identity_cert.common_name, att.registration_id);
            } else {
                assert.equal(typeof att.identity_pk, "string");
                assert.ok(!("auto_renew" in att), "file identity certs cannot be renewed");
            }
        }
    }

    // Every auto_renew table has all three keys (FACTS.md §2) with valid policies.
    for (const [p, t] of tables(doc)) {
        if (!/(^|\.)(auto_renew|identity_auto_renew)$/.test(p)) continue;
        assert.deepEqual(Object.keys(t).sort(), ["retry", "rotate_key", "threshold"], p);
        assert.equal(typeof t.rotate_key, "boolean");
        assert.equal(renewalPolicyError(t.threshold as string), undefined);
        assert.equal(renewalPolicyError(t.retry as string), undefined);
    }

    // Keys and certs are file: URIs into the layout; no inline key, no PKCS#11, no password.
    for (const [p, v] of leaves(doc)) {
        assert.ok(!/(^|\.)(value|password|username|connection_string)$/.test(p), `no ${p}`);
        if (KEY_PATH.test(p)) {
            assert.equal(typeof v, "string");
            assert.ok((v as string).startsWith(`file://${SECRETS_DIR}/`), `${p} = ${String(v)}`);
        } else if (CERT_PATH.test(p) && typeof v === "string") {
            assert.ok(v.startsWith(`file://${CERTS_DIR}/`), `${p} = ${v}`);
        }
        if (/(^|\.)common_name$/.test(p)) assert.ok((v as string).length <= 64);
    }
    assert.ok(!("pkcs11" in doc) && !("aziot_keys" in doc) && !("preloaded_keys" in doc));

    // [agent]: all of name, type, config.image when present (FACTS.md §2).
    const agent = doc.agent as Table;
    assert.equal(agent.name, "edgeAgent");
    assert.equal(agent.type, "docker");
    assert.ok(
        typeof (agent.config as Table).image === "string" && (agent.config as Table).image !== "",
    );
    // Not emitted (render.ts); if it ever is, both keys are required.
    assert.ok(!("moby_runtime" in doc));

    // [edge_ca]: exactly one of the parser's variants (FACTS.md §2).
    const ca = doc.edge_ca as Table;
    const keys = Object.keys(ca).sort();
    if ("cert" in ca) assert.deepEqual(keys, ["cert", "pk"]);
    else if ("auto_generated_edge_ca_expiry_days" in ca) {
        assert.ok(Number.isInteger(ca.auto_generated_edge_ca_expiry_days));
        if (isTable(ca.auto_renew)) assert.equal(ca.auto_renew.rotate_key, true);
    } else {
        assert.equal(ca.method, "est");
        assert.ok(isTable(ca.auto_renew), "seed 003: an EST Edge CA must auto-renew");
    }

    // [cert_issuance.est] exactly when something is issued by EST; auth never empty.
    const usesEst =
        ca.method === "est" ||
        (isTable(prov.attestation) && isTable((prov.attestation as Table).identity_cert));
    const est = (doc.cert_issuance as Table | undefined)?.est as Table | undefined;
    assert.equal(est !== undefined, usesEst);
    if (est) {
        assert.ok(Array.isArray(est.trusted_certs));
        assert.deepEqual(Object.keys(est.auth as Table).sort(), [
            "bootstrap_identity_cert",
            "bootstrap_identity_pk",
        ]);
        assert.match((est.urls as Table).default as string, /^https:\/\//);
    }
}

/** The set of file URIs a document references. */
function referencedFileUris(doc: Table): string[] {
    return [
        ...new Set(
            leaves(doc)
                .map(([, v]) => v)
                .filter((v): v is string => typeof v === "string" && v.startsWith("file://")),
        ),
    ].sort();
}

describe("renderConfigToml", () => {
    const template = officialTemplateKeyPaths();

    describe("golden files", () => {
        for (const [stem, raw] of Object.entries(GOLDEN_CASES)) {
            it(`${stem}.toml`, () => {
                const { text } = render(raw);
                const file = path.join(GOLDEN_DIR, `${stem}.toml`);
                if (UPDATE) {
                    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
                    fs.writeFileSync(file, text);
                }
                assert.ok(fs.existsSync(file), `no golden ${file}: run with UPDATE_GOLDEN=1`);
                assert.equal(
                    text,
                    fs.readFileSync(file, "utf8"),
                    `${stem} differs from its golden`,
                );
            });
        }

        it("has no stale golden file", () => {
            const stems = fs.readdirSync(GOLDEN_DIR).map((f) => f.replace(/\.toml$/, ""));
            assert.deepEqual(stems.sort(), Object.keys(GOLDEN_CASES).sort());
        });
    });

    describe("each golden, parsed back", () => {
        for (const stem of Object.keys(GOLDEN_CASES)) {
            it(`${stem}: structure follows the parser's rules (FACTS.md §2)`, () => {
                const text = fs.readFileSync(path.join(GOLDEN_DIR, `${stem}.toml`), "utf8");
                assertStructure(text, parsePlain(text));
            });
            it(`${stem}: every key path exists in the official template`, () => {
                const doc = parse(fs.readFileSync(path.join(GOLDEN_DIR, `${stem}.toml`), "utf8"));
                const unknown = documentKeyPaths(doc as Table).filter((p) => !template.has(p));
                assert.deepEqual(unknown, []);
            });
            it(`${stem}: references exactly the files of deviceFileRoles`, () => {
                const { doc, device: d } = render(GOLDEN_CASES[stem]);
                assert.deepEqual(referencedFileUris(doc), deviceFileRoles(d).map(fileUri).sort());
            });
        }
    });

    describe("per provisioning mode", () => {
        const att = (stem: string) => render(PROVISIONING_CASES[stem]).doc.provisioning as Table;

        it("manual-x509: x509 authentication with identity files (seed 000)", () => {
            const p = att("manual-x509");
            assert.deepEqual(p, {
                source: "manual",
                iothub_hostname: CLOUD.hubHostName,
                device_id: "edge-manual-x509",
                authentication: {
                    method: "x509",
                    identity_pk: fileUri("identity-key"),
                    identity_cert: fileUri("identity-cert"),
                },
            });
        });

        it("manual-connection-string: the SAS form with the key in a file (FACTS.md §2)", () => {
            const cs = att("manual-connection-string");
            assert.deepEqual(cs.authentication, {
                method: "sas",
                device_id_pk: { uri: fileUri("symmetric-key") },
            });
            // Same shape as a manual symmetric-key device.
            const sas = att("manual-symmetric-key");
            assert.deepEqual({ ...cs, device_id: "x" }, { ...sas, device_id: "x" });
        });

        it("dps-symmetric-key: registration ID and key file, group or individual (seed 002)", () => {
            const g = att("dps-symmetric-key-group");
            assert.deepEqual(g, {
                source: "dps",
                global_endpoint: DEFAULT_DPS_GLOBAL_ENDPOINT,
                id_scope: CLOUD.idScope,
                attestation: {
                    method: "symmetric_key",
                    registration_id: "edge-dps-sym-group",
                    symmetric_key: { uri: fileUri("symmetric-key") },
                },
            });
            const i = att("dps-symmetric-key-individual");
            assert.equal((i.attestation as Table).registration_id, "reg-dps-sym-individual");
        });

        it("dps-x509: identity files, no auto_renew, group and individual alike (seed 001)", () => {
            for (const stem of ["dps-x509-group", "dps-x509-individual"]) {
                assert.deepEqual(Object.keys(att(stem).attestation as Table), [
                    "method",
                    "registration_id",
                    "identity_pk",
                    "identity_cert",
                ]);
            }
        });

        it("dps-x509-est: identity_cert issued by EST, CN = registration ID, auto_renew (seed 003)", () => {
            const { doc } = render(PROVISIONING_CASES["dps-x509-est"]);
            const a = (doc.provisioning as Table).attestation as Table;
            assert.deepEqual(a, {
                method: "x509",
                registration_id: "edge-dps-est",
                identity_cert: {
                    method: "est",
                    common_name: "edge-dps-est",
                    auto_renew: { rotate_key: true, threshold: "80%", retry: "4%" },
                },
            });
            assert.deepEqual((doc.cert_issuance as Table).est, {
                trusted_certs: [fileUri("est-trusted-certs")],
                auth: {
                    bootstrap_identity_cert: fileUri("est-bootstrap-cert"),
                    bootstrap_identity_pk: fileUri("est-bootstrap-key"),
                },
                urls: { default: "https://est.contoso.test/.well-known/est" },
            });
        });

        it("dps-x509-est without identityAutoRenew: no auto_renew table", () => {
            const raw = {
                ...PROVISIONING_CASES["dps-x509-est"],
                provisioning: { method: "dps-x509-est", enrollmentGroup: "edge-x509" },
            };
            const a = (render(raw).doc.provisioning as Table).attestation as Table;
            assert.ok(!("auto_renew" in (a.identity_cert as Table)));
        });

        it("dps-tpm: registration ID only", () => {
            assert.deepEqual(att("dps-tpm").attestation, {
                method: "tpm",
                registration_id: "edge-dps-tpm",
            });
        });

        it("auto_reprovisioning_mode only for DPS (the template: ignored for manual)", () => {
            assert.ok(
                !("auto_reprovisioning_mode" in render(PROVISIONING_CASES["manual-x509"]).doc),
            );
            assert.equal(
                render(PROVISIONING_CASES["dps-tpm"]).doc.auto_reprovisioning_mode,
                "AlwaysOnStartup",
            );
        });

        it("uses the given DPS global endpoint", () => {
            const d = device(PROVISIONING_CASES["dps-tpm"]);
            const text = renderConfigToml(d, {
                ...CLOUD,
                dpsGlobalEndpoint: "https://dps.example",
            });
            assert.equal(
                (parsePlain(text).provisioning as Table).global_endpoint,
                "https://dps.example",
            );
        });

        it("throws when a cloud fact the method needs is missing", () => {
            const dps = device(PROVISIONING_CASES["dps-tpm"]);
            assert.throws(() => renderConfigToml(dps, { hubHostName: "h" }), /DPS ID scope/);
            const manual = device(PROVISIONING_CASES["manual-x509"]);
            assert.throws(
                () => renderConfigToml(manual, { idScope: "s", hubHostName: "" }),
                /IoT Hub host name/,
            );
        });
    });

    describe("per Edge CA mode", () => {
        const ca = (stem: string) => render(EDGE_CA_CASES[stem]).doc;

        it("pki: cert/pk files and the trust bundle (seed 004)", () => {
            const doc = ca("edge-ca-pki");
            assert.deepEqual(doc.edge_ca, {
                cert: fileUri("edge-ca-cert"),
                pk: fileUri("edge-ca-key"),
            });
            assert.equal(doc.trust_bundle_cert, fileUri("trust-bundle"));
        });

        it("quickstart: expiry days written out, no auto_renew unless set, no trust bundle", () => {
            const doc = ca("edge-ca-quickstart");
            assert.deepEqual(doc.edge_ca, { auto_generated_edge_ca_expiry_days: 90 });
            assert.ok(!("trust_bundle_cert" in doc));
            assert.deepEqual(ca("edge-ca-quickstart-auto-renew").edge_ca, {
                auto_generated_edge_ca_expiry_days: 30,
                auto_renew: { rotate_key: true, threshold: "90%", retry: "10min" },
            });
        });

        it("est: method, optional common_name, auto_renew always (seed 003)", () => {
            assert.deepEqual(ca("edge-ca-est").edge_ca, {
                method: "est",
                common_name: "Contoso Edge CA edge-ca-est",
                auto_renew: { rotate_key: true, threshold: "80%", retry: "4%" },
            });
            assert.deepEqual(ca("edge-ca-est-auto-renew").edge_ca, {
                method: "est",
                auto_renew: { rotate_key: false, threshold: "4day", retry: "1day" },
            });
            // Publicly trusted EST server: an empty list, no file.
            assert.deepEqual(
                ((ca("edge-ca-est").cert_issuance as Table).est as Table).trusted_certs,
                [],
            );
        });
    });

    describe("inline tables", () => {
        it("a sub-table is the same TOML value as the template's inline table", () => {
            const inline = parse(
                '[provisioning.attestation]\nmethod = "symmetric_key"\nsymmetric_key = { uri = "file:///k" }\n',
            );
            const sub = parse(
                '[provisioning.attestation]\nmethod = "symmetric_key"\n\n[provisioning.attestation.symmetric_key]\nuri = "file:///k"\n',
            );
            assert.deepEqual(sub, inline);
            const a = parse(
                '[provisioning.authentication]\ndevice_id_pk = { uri = "file:///k" }\n',
            );
            const b = parse('[provisioning.authentication.device_id_pk]\nuri = "file:///k"\n');
            assert.deepEqual(b, a);
        });

        it("the rendered sub-tables hold only `uri`, so they map one-to-one to the inline form", () => {
            for (const stem of ["manual-symmetric-key", "dps-symmetric-key-group"]) {
                const { text } = render(PROVISIONING_CASES[stem]);
                assert.match(
                    text,
                    /\n\[provisioning\.(authentication\.device_id_pk|attestation\.symmetric_key)\]\nuri = "file:\/\/\/var\/aziot\/secrets\/device-id\.key"\n\n/,
                );
            }
        });
    });

    describe("secrets", () => {
        it("carries no key material: only file:// URIs for keys, no marker of any file content", () => {
            // Whatever could reach the renderer carries a marker; file contents never do (the
            // renderer only sees the model), so none may appear in the config.
            const markers = Object.keys(DEVICE_FILES).map((r) => `MARKER-${r}-KEYMATERIAL`);
            const raw: RawDevice = {
                deviceId: "edge-secrets",
                est: estServer({
                    trustedCaPem: `-----BEGIN CERTIFICATE-----\n${markers.join("\n")}\n-----END CERTIFICATE-----\n`,
                }),
                ssh: { privateKeySecret: "MARKER-ssh-key-secret" },
                edgeCa: { mode: "est" },
                provisioning: {
                    method: "manual-connection-string",
                    hub: "contoso-iot-test",
                    connectionStringSecret: "MARKER-connection-string-secret",
                },
            };
            const { text, doc } = render(raw);
            for (const m of [
                ...markers,
                "MARKER-ssh-key-secret",
                "MARKER-connection-string-secret",
            ]) {
                assert.ok(!text.includes(m), `config.toml contains ${m}`);
            }
            assert.ok(!text.includes("BEGIN"), "no PEM in config.toml");
            assert.ok(!text.includes("SharedAccessKey"), "no connection string in config.toml");
            assertStructure(text, doc);
        });

        it("every key-valued field, in every golden, is a file:// URI under the secrets dir", () => {
            for (const raw of Object.values(GOLDEN_CASES)) {
                const { doc } = render(raw);
                const keys = leaves(doc).filter(([p]) => KEY_PATH.test(p));
                for (const [p, v] of keys) {
                    assert.ok(
                        Object.values(DEVICE_FILES).some(
                            (f) => f.secret && v === `file://${f.path}`,
                        ),
                        `${p} = ${String(v)}`,
                    );
                }
            }
        });
    });

    describe("deviceFileRoles", () => {
        const roles = (raw: RawDevice) => deviceFileRoles(device(raw));
        const expected: Record<string, DeviceFileRole[]> = {
            "manual-x509": [
                "edge-ca-cert",
                "edge-ca-key",
                "identity-cert",
                "identity-key",
                "trust-bundle",
            ],
            "manual-symmetric-key": [
                "edge-ca-cert",
                "edge-ca-key",
                "symmetric-key",
                "trust-bundle",
            ],
            "manual-connection-string": [
                "edge-ca-cert",
                "edge-ca-key",
                "symmetric-key",
                "trust-bundle",
            ],
            "dps-symmetric-key-group": [
                "edge-ca-cert",
                "edge-ca-key",
                "symmetric-key",
                "trust-bundle",
            ],
            "dps-symmetric-key-individual": [
                "edge-ca-cert",
                "edge-ca-key",
                "symmetric-key",
                "trust-bundle",
            ],
            "dps-x509-group": [
                "edge-ca-cert",
                "edge-ca-key",
                "identity-cert",
                "identity-key",
                "trust-bundle",
            ],
            "dps-x509-individual": [
                "edge-ca-cert",
                "edge-ca-key",
                "identity-cert",
                "identity-key",
                "trust-bundle",
            ],
            "dps-x509-est": [
                "edge-ca-cert",
                "edge-ca-key",
                "est-bootstrap-cert",
                "est-bootstrap-key",
                "est-trusted-certs",
                "trust-bundle",
            ],
            "dps-tpm": ["edge-ca-cert", "edge-ca-key", "trust-bundle"],
            "edge-ca-pki": ["edge-ca-cert", "edge-ca-key", "symmetric-key", "trust-bundle"],
            "edge-ca-quickstart": ["symmetric-key"],
            "edge-ca-quickstart-auto-renew": ["symmetric-key"],
            "edge-ca-est": ["est-bootstrap-cert", "est-bootstrap-key", "symmetric-key"],
            "edge-ca-est-auto-renew": [
                "est-bootstrap-cert",
                "est-bootstrap-key",
                "est-trusted-certs",
                "symmetric-key",
            ],
            "nested-child": ["symmetric-key", "trust-bundle"],
        };
        for (const [stem, want] of Object.entries(expected)) {
            it(stem, () => assert.deepEqual(roles(GOLDEN_CASES[stem]), want));
        }
        it("covers every golden case", () => {
            assert.deepEqual(Object.keys(expected).sort(), Object.keys(GOLDEN_CASES).sort());
        });
        it("adds the trust bundle for osTrustStore, and EST files only when EST is used", () => {
            assert.deepEqual(
                roles({ ...EDGE_CA_CASES["edge-ca-quickstart"], osTrustStore: true }),
                ["symmetric-key", "trust-bundle"],
            );
            // An EST server in the defaults does not put EST files on a device that never uses it.
            assert.deepEqual(
                deviceFileRoles(device(EDGE_CA_CASES["edge-ca-quickstart"], { est: estServer() })),
                ["symmetric-key"],
            );
        });
    });

    describe("determinism", () => {
        const methods = Object.keys(PROVISIONING_CASES);
        const edgeCas = Object.keys(EDGE_CA_CASES);
        const arbDevice = fc.record({
            base: fc.constantFrom(...methods),
            edgeCa: fc.constantFrom(...edgeCas),
            id: fc.stringMatching(/^[a-z][a-z0-9-]{0,40}[a-z0-9]$/),
            hostname: fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,20}$/), { nil: undefined }),
            timeout: fc.integer({ min: 70, max: 3600 }),
            retries: fc.integer({ min: 0, max: 10 }),
            mode: fc.constantFrom("Dynamic", "AlwaysOnStartup", "OnErrorOnly"),
        });
        type Generated = typeof arbDevice extends fc.Arbitrary<infer T> ? T : never;
        const build = (a: Generated): RawDevice => {
            const ca = EDGE_CA_CASES[a.edgeCa];
            return {
                ...PROVISIONING_CASES[a.base],
                deviceId: a.id,
                registrationId: undefined,
                hostname: a.hostname,
                cloudTimeoutSec: a.timeout,
                cloudRetries: a.retries,
                autoReprovisioningMode: a.mode,
                edgeCa: ca.edgeCa,
                est: PROVISIONING_CASES[a.base].est ?? ca.est,
            };
        };

        it("same device → same bytes, whatever the key order of the model", () => {
            fc.assert(
                fc.property(arbDevice, (a) => {
                    const d = device(build(a));
                    const once = renderConfigToml(d, CLOUD);
                    assert.equal(renderConfigToml(d, CLOUD), once);
                    assert.equal(renderConfigToml(reverseKeys(d), { ...CLOUD }), once);
                    const doc = parsePlain(once);
                    assertStructure(once, doc);
                    assert.deepEqual(
                        referencedFileUris(doc),
                        deviceFileRoles(d).map(fileUri).sort(),
                    );
                }),
                { numRuns: 150 },
            );
        });

        it("IDs with TOML-special characters round-trip (smol-toml escapes them)", () => {
            fc.assert(
                fc.property(fc.stringMatching(/^[A-Za-z0-9\-.%_*?!(),:=@$']{1,60}$/), (id) => {
                    const { doc } = render({
                        ...PROVISIONING_CASES["manual-symmetric-key"],
                        deviceId: id,
                    });
                    assert.equal((doc.provisioning as Table).device_id, id);
                }),
                { numRuns: 100 },
            );
        });

        it("a different device ID changes only the header (DPS, fixed registration ID)", () => {
            fc.assert(
                fc.property(
                    fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/),
                    fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/),
                    (a, b) => {
                        fc.pre(a !== b);
                        const raw = (id: string): RawDevice => ({
                            ...EDGE_CA_CASES["edge-ca-quickstart"],
                            deviceId: id,
                            registrationId: "fixed-registration",
                        });
                        // Separate fleets: DPS rejects a registration ID used twice.
                        const [da, db] = [device(raw(a)), device(raw(b))];
                        const la = renderConfigToml(da, CLOUD).split("\n");
                        const lb = renderConfigToml(db, CLOUD).split("\n");
                        assert.equal(la.length, lb.length);
                        const diff = la.map((l, i) => (l === lb[i] ? -1 : i)).filter((i) => i >= 0);
                        assert.deepEqual(diff, [0]);
                        assert.ok(
                            la[0].includes(JSON.stringify(a)) && lb[0].includes(JSON.stringify(b)),
                        );
                    },
                ),
                { numRuns: 100 },
            );
        });

        it("a different device ID changes the header and device_id only (manual)", () => {
            const raw = (id: string): RawDevice => ({
                ...PROVISIONING_CASES["manual-symmetric-key"],
                edgeCa: { mode: "quickstart" },
                deviceId: id,
            });
            const [da, db] = resolveDevices([raw("edge-a"), raw("edge-b")]);
            const la = renderConfigToml(da, CLOUD).split("\n");
            const lb = renderConfigToml(db, CLOUD).split("\n");
            const diff = la.filter((l, i) => l !== lb[i]);
            assert.deepEqual(diff, [
                '# Generated by iotedge-fleet for IoT Edge device "edge-a".',
                'device_id = "edge-a"',
            ]);
        });
    });
});

/** A deep copy with every object's keys in reverse order (arrays keep their order). */
function reverseKeys<T>(value: T): T {
    if (Array.isArray(value)) return value.map(reverseKeys) as unknown as T;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).reverse();
        return Object.fromEntries(entries.map(([k, v]) => [k, reverseKeys(v)])) as T;
    }
    return value;
}
