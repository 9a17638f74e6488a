/**
 * Edge CA classification of a config.toml (policy/edge-ca.ts), on hand-written documents and
 * on the renderer's own golden outputs (test/render/golden, asserted equal to
 * renderConfigToml's output by test/render).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

import { edgeCaOf, EdgeCaMode, looksLikeIotEdgeConfig } from "../../policy/edge-ca";

const PROVISIONING = '[provisioning]\nsource = "dps"\nid_scope = "0ne00ABCDEF"\n';
const GOLDEN = path.join(__dirname, "..", "render", "golden");

describe("policy/edge-ca edgeCaOf", () => {
    const cases: Array<[string, string, EdgeCaMode, string]> = [
        [
            "files (cert + pk)",
            '[edge_ca]\ncert = "file:///var/aziot/certs/edge-ca.pem"\npk = "file:///var/aziot/secrets/edge-ca.key.pem"\n',
            "files",
            "edge_ca.cert and edge_ca.pk",
        ],
        [
            "files with a PKCS#11 key",
            '[edge_ca]\ncert = "file:///c.pem"\npk = "pkcs11:slot-id=0;object=edge%20ca"\n',
            "files",
            "edge_ca.cert and edge_ca.pk",
        ],
        ["EST", '[edge_ca]\nmethod = "est"\n', "est", 'edge_ca.method = "est"'],
        ["local CA", '[edge_ca]\nmethod = "local_ca"\n', "local_ca", 'edge_ca.method = "local_ca"'],
        [
            "quickstart",
            "[edge_ca]\nauto_generated_edge_ca_expiry_days = 90\n",
            "quickstart",
            "edge_ca.auto_generated_edge_ca_expiry_days = 90",
        ],
        [
            "quickstart written as an inline table",
            "edge_ca = { auto_generated_edge_ca_expiry_days = 30 }\n",
            "quickstart",
            "edge_ca.auto_generated_edge_ca_expiry_days = 30",
        ],
        [
            "quickstart with custom options (method self_signed)",
            '[edge_ca]\nmethod = "self_signed"\nexpiry_days = 365\n',
            "quickstart",
            'edge_ca.method = "self_signed"',
        ],
        [
            "no [edge_ca]: IoT Edge generates a quickstart CA",
            "",
            "quickstart",
            "config.toml has no [edge_ca] table, so IoT Edge generates a quickstart Edge CA",
        ],
        [
            "method is tried before cert/pk (untagged enum order)",
            '[edge_ca]\nmethod = "est"\ncert = "file:///c.pem"\npk = "file:///k.pem"\n',
            "est",
            'edge_ca.method = "est"',
        ],
        [
            "cert/pk are tried before quickstart",
            '[edge_ca]\ncert = "file:///c.pem"\npk = "file:///k.pem"\nauto_generated_edge_ca_expiry_days = 9\n',
            "files",
            "edge_ca.cert and edge_ca.pk",
        ],
        [
            "unknown method",
            '[edge_ca]\nmethod = "magic"\n',
            "invalid",
            'edge_ca.method = "magic" is not a known method',
        ],
        [
            "cert without pk",
            '[edge_ca]\ncert = "file:///c.pem"\n',
            "invalid",
            "edge_ca has only one of cert and pk",
        ],
        [
            "only auto_renew",
            '[edge_ca.auto_renew]\nrotate_key = true\nthreshold = "80%"\nretry = "4%"\n',
            "invalid",
            "edge_ca has none of method, cert/pk or auto_generated_edge_ca_expiry_days",
        ],
        ["edge_ca not a table", 'edge_ca = "files"\n', "invalid", "edge_ca is not a table"],
    ];
    for (const [title, edgeCa, mode, detail] of cases) {
        it(title, () => {
            // A top-level key must come before the first table header.
            const doc = edgeCa.startsWith("edge_ca =")
                ? edgeCa + PROVISIONING
                : PROVISIONING + edgeCa;
            assert.deepEqual(edgeCaOf(doc), { mode, detail });
        });
    }

    it("reports invalid TOML with its position, without quoting the document", () => {
        const finding = edgeCaOf('[provisioning]\nsource = "dps"\n[edge_ca\ncert = "SECRET-ISH"\n');
        assert.equal(finding.mode, "invalid");
        assert.match(finding.detail, /^config\.toml is not valid TOML \(line \d+, column \d+\)$/);
        assert.doesNotMatch(finding.detail, /SECRET-ISH/);
    });

    const goldens: Array<[string, EdgeCaMode]> = [
        ["edge-ca-pki.toml", "files"],
        ["edge-ca-est.toml", "est"],
        ["edge-ca-est-auto-renew.toml", "est"],
        ["edge-ca-quickstart.toml", "quickstart"],
        ["edge-ca-quickstart-auto-renew.toml", "quickstart"],
        ["dps-x509-group.toml", "files"],
    ];
    for (const [file, mode] of goldens) {
        it(`classifies the renderer's golden ${file} as ${mode}`, () => {
            const text = fs.readFileSync(path.join(GOLDEN, file), "utf8");
            assert.equal(edgeCaOf(text).mode, mode);
            assert.equal(looksLikeIotEdgeConfig(text), true);
        });
    }
});

describe("policy/edge-ca looksLikeIotEdgeConfig", () => {
    it("needs valid TOML with a [provisioning] table", () => {
        assert.equal(looksLikeIotEdgeConfig(PROVISIONING), true);
        assert.equal(looksLikeIotEdgeConfig('[edge_ca]\nmethod = "est"\n'), false);
        assert.equal(looksLikeIotEdgeConfig("f identity-key 0600 LS0tLS1CRUdJTg==\n"), false);
        assert.equal(looksLikeIotEdgeConfig('provisioning = "dps"\n'), false);
    });
});
