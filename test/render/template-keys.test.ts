import { strict as assert } from "assert";
import * as fs from "fs";
import { parse } from "smol-toml";
import {
    documentKeyPaths,
    officialTemplateKeyPaths,
    SHARED_TEMPLATE_PATH,
    TEMPLATE_PATH,
    templateKeyPaths,
} from "./template-keys";

describe("template key extractor", () => {
    const official = officialTemplateKeyPaths();

    it("reads the vendored template, identical to the shared reference copy", function () {
        if (!fs.existsSync(SHARED_TEMPLATE_PATH)) this.skip();
        assert.ok(
            fs.readFileSync(TEMPLATE_PATH).equals(fs.readFileSync(SHARED_TEMPLATE_PATH)),
            "test/render/reference/iotedge-template-1.5.toml differs from ../shared/reference",
        );
    });

    it("finds known keys of the official 1.5 template, with their table paths", () => {
        for (const key of [
            "hostname",
            "parent_hostname",
            "trust_bundle_cert",
            "auto_reprovisioning_mode",
            "cloud_timeout_sec",
            "cloud_retries",
            "provisioning.source",
            "provisioning.id_scope",
            "provisioning.attestation.registration_id",
            "provisioning.attestation.identity_cert.common_name",
            "provisioning.attestation.identity_cert.auto_renew.rotate_key",
            "cert_issuance.est.trusted_certs",
            "cert_issuance.est.auth.bootstrap_identity_pk",
            "cert_issuance.est.urls.default",
            "edge_ca.auto_generated_edge_ca_expiry_days",
            "edge_ca.auto_renew.threshold",
            "agent.config.image",
            "moby_runtime.network",
            "tpm.hierarchy_authorization.owner",
        ]) {
            assert.ok(official.has(key), `missing ${key}`);
        }
    });

    it("descends into inline tables (device_id_pk, symmetric_key, subject, createOptions)", () => {
        for (const key of [
            "provisioning.authentication.device_id_pk",
            "provisioning.authentication.device_id_pk.uri",
            "provisioning.authentication.device_id_pk.value",
            "provisioning.attestation.symmetric_key.uri",
            "provisioning.attestation.identity_cert.subject.CN",
            "agent.config.createOptions.HostConfig.Binds",
        ]) {
            assert.ok(official.has(key), `missing ${key}`);
        }
    });

    it('reads quoted keys ([agent.env] "RuntimeLogLevel")', () => {
        assert.ok(official.has("agent.env.RuntimeLogLevel"));
    });

    it("does not take prose or keys of the wrong table", () => {
        // Prose lines that mention keys, and the template's tables that do not exist.
        for (const key of [
            "Setting",
            "provisioning.cloud_retries",
            "tpm.cloud_timeout_sec",
            "pkcs11",
            "agent.config.createOptions.HostConfig.Binds.0",
            "TCTI",
            "tpm.TCTI",
        ]) {
            assert.ok(!official.has(key), `unexpected ${key}`);
        }
        // Keys are only ever identifiers: nothing with spaces or values slipped in.
        for (const key of official) assert.match(key, /^[A-Za-z0-9_.-]+$/);
    });

    it("handles the line forms one by one", () => {
        const text = [
            "# top = 1",
            "## Prose heading = not a key",
            "# # a comment inside a block = not a key",
            "# mode = Dynamic",
            "# [a.b]                 # trailing note",
            "# k = { x = 1, y = { z = 2 } }   # inline",
            "# list = [",
            '#     "file:///x",',
            "# ]",
            '# "quoted-key" = "v"',
            "#   indented = 3",
            "not_a_comment = 4",
        ].join("\n");
        assert.deepEqual([...templateKeyPaths(text)].sort(), [
            "a",
            "a.b",
            "a.b.k",
            "a.b.k.x",
            "a.b.k.y",
            "a.b.k.y.z",
            "a.b.list",
            "a.b.quoted-key",
            "mode",
            "top",
        ]);
    });

    it("lists a parsed document's key paths the same way (arrays are leaves)", () => {
        const doc = parse('a = 1\nl = ["x"]\n[t.u]\nv = { w = 2 }\n') as Record<string, unknown>;
        assert.deepEqual(documentKeyPaths(doc).sort(), ["a", "l", "t", "t.u", "t.u.v", "t.u.v.w"]);
    });
});
