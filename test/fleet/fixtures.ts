/**
 * A small, valid fleet covering every provisioning method, for tests to start from and break
 * one field at a time. Plain data: tests deep-copy it with `goodFleet()`.
 */
export function goodFleet(): any {
    return structuredClone({
        environment: "test",
        resourceGroup: { name: "rg-test", location: "westeurope" },
        hubs: [{ name: "hub-a" }, { name: "hub-b", location: "northeurope" }],
        dps: { name: "dps-test", links: [{ hub: "hub-a" }, { hub: "hub-b", allocationWeight: 2 }] },
        pki: {
            cas: [
                { name: "root", verifiedIn: ["dps", "hubs"] },
                { name: "devices", issuer: "root" },
            ],
        },
        enrollmentGroups: [
            {
                name: "sym-group",
                attestation: { type: "symmetricKey" },
                initialTwin: { tags: { env: "test" } },
            },
            { name: "x509-group", attestation: { type: "x509", ca: "devices" } },
        ],
        defaults: {
            ssh: { user: "edgeadmin" },
            versions: { aziotEdge: "1.5.21-1", aziotIdentityService: "1.5.6-1" },
            est: { url: "https://est.example.com/.well-known/est", bootstrapIssuer: "devices" },
        },
        devices: [
            {
                deviceId: "manual-x509",
                ssh: { host: "10.0.0.1" },
                provisioning: { method: "manual-x509", hub: "hub-a" },
            },
            {
                deviceId: "manual-sas",
                ssh: { host: "10.0.0.2" },
                provisioning: { method: "manual-symmetric-key", hub: "hub-a" },
            },
            {
                deviceId: "manual-cs",
                ssh: { host: "10.0.0.3" },
                provisioning: {
                    method: "manual-connection-string",
                    hub: "hub-b",
                    connectionStringSecret: "csManual",
                },
            },
            {
                deviceId: "dps-sym-group",
                ssh: { host: "10.0.0.4" },
                provisioning: { method: "dps-symmetric-key", enrollmentGroup: "sym-group" },
            },
            {
                deviceId: "dps-sym-individual",
                registrationId: "reg-sym-individual",
                ssh: { host: "10.0.0.5" },
                provisioning: { method: "dps-symmetric-key", individual: { hubs: ["hub-b"] } },
            },
            {
                deviceId: "dps-x509-group",
                ssh: { host: "10.0.0.6" },
                provisioning: { method: "dps-x509", enrollmentGroup: "x509-group" },
            },
            {
                deviceId: "dps-x509-individual",
                ssh: { host: "10.0.0.7" },
                provisioning: { method: "dps-x509", individual: {} },
            },
            {
                deviceId: "dps-est",
                ssh: { host: "10.0.0.8" },
                edgeCa: { mode: "est" },
                provisioning: { method: "dps-x509-est", enrollmentGroup: "x509-group" },
            },
            {
                deviceId: "dps-tpm",
                ssh: { host: "10.0.0.9" },
                edgeCa: { mode: "quickstart", expiryDays: 30 },
                provisioning: {
                    method: "dps-tpm",
                    endorsementKey:
                        "AToAAQALAAMAsgAgg3GXZ0SEs/gakMyNRqXXJP1S124GUgtk8qHaGzMUaaoABgCAAEMAEAgAAAAAAAEAxsj2gUScTk1UjuioeTlfGYZrrimExB+bScH75adUMRIi2UOMxG1kw4y+9RW/IVoMl4e620VxZad0ARX2gUqVjYO7KPVt3dyKhZS3dkcvfBisBhP1XH9B33VqHG9SHnbnQXdBUaCgKAfxome8UmBKfe+naTsE5fkvjb/do3/dD6l4sGBwFCnKRdln4XpM03zLpoHFao8zOwt8l/uP3qUIxmCYv9A7m69Ms+5/pCkTu/rK4mRDsfhZ0QLfbzVI6zQFOKF/rwsfBtFeWlWtcuJMKlXdD8TXWElTzgh7JS4qhFzreL0c1mI0GCj+Aws0usZh7dLIVPnlgZcBhgy1SSDQMQ==",
                },
            },
        ],
    });
}

/** Every config key the good fleet names in a `...Secret` field. */
export const GOOD_FLEET_SECRETS = ["sshPrivateKey", "csManual"];
