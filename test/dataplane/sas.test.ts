import * as assert from "assert";
import {
    createServiceSasToken,
    createSharedAccessSignature,
    parseSharedAccessSignature,
} from "../../components/dataplane/sas";

// Vector computed independently with openssl (FACTS.md §3 algorithm):
//   printf 'fleet-dps.azure-devices-provisioning.net\n1700000000' \
//     | openssl sha256 -mac HMAC -macopt hexkey:$(printf 'sas-test-key-0123456789abcdef' | xxd -p) -binary | base64
const KEY = Buffer.from("sas-test-key-0123456789abcdef").toString("base64");
const SIG = "XyfRRZ6Fh0W2leLJGG0Kqhuoj+WKN/ROczRJo32x3u8=";

describe("SAS tokens (FACTS.md §3, §4)", () => {
    it("builds sr/sig/se/skn exactly as the docs specify", () => {
        const token = createSharedAccessSignature({
            resourceUri: "fleet-dps.azure-devices-provisioning.net",
            keyName: "provisioningserviceowner",
            key: KEY,
            expiresAtSeconds: 1700000000,
        });
        assert.strictEqual(
            token,
            "SharedAccessSignature sr=fleet-dps.azure-devices-provisioning.net" +
                `&sig=${encodeURIComponent(SIG)}&se=1700000000&skn=provisioningserviceowner`,
        );
    });

    it("lower-cases and URL-encodes the resource URI it signs", () => {
        const token = createSharedAccessSignature({
            resourceUri: "Fleet-DPS.azure-devices-provisioning.net",
            keyName: "p",
            key: KEY,
            expiresAtSeconds: 1700000000,
        });
        assert.strictEqual(parseSharedAccessSignature(token)?.sig, encodeURIComponent(SIG));
        const withPath = createSharedAccessSignature({
            resourceUri: "scope/registrations/dev(1)",
            keyName: "registration",
            key: KEY,
            expiresAtSeconds: 1,
        });
        assert.strictEqual(
            parseSharedAccessSignature(withPath)?.sr,
            "scope%2Fregistrations%2Fdev%281%29",
        );
    });

    it("expires ttl seconds after now and changes with the clock", () => {
        const a = parseSharedAccessSignature(
            createServiceSasToken("h", "p", KEY, 1_000_000_500, 60),
        );
        const b = parseSharedAccessSignature(
            createServiceSasToken("h", "p", KEY, 1_000_010_000, 60),
        );
        assert.strictEqual(a?.se, String(1_000_000 + 60));
        assert.strictEqual(b?.se, String(1_000_010 + 60));
        assert.notStrictEqual(a?.sig, b?.sig);
    });

    it("refuses empty names and keys and bad expiries", () => {
        const base = { resourceUri: "h", keyName: "p", key: KEY, expiresAtSeconds: 10 };
        assert.throws(() => createSharedAccessSignature({ ...base, keyName: "" }), /policy name/);
        assert.throws(() => createSharedAccessSignature({ ...base, key: "" }), /policy key/);
        assert.throws(
            () => createSharedAccessSignature({ ...base, expiresAtSeconds: 1.5 }),
            /expiry/,
        );
    });

    it("parses only well-formed tokens", () => {
        assert.strictEqual(parseSharedAccessSignature("Bearer x"), undefined);
        assert.strictEqual(
            parseSharedAccessSignature("SharedAccessSignature sr=a&se=1"),
            undefined,
        );
    });
});
