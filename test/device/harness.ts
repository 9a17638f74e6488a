/**
 * Real-SSH test harness for the device step scripts.
 *
 * Each SshDevice is a private OpenSSH server (`/usr/sbin/sshd -D -e`, throwaway host and user
 * keys from ssh-keygen) listening on a free 127.0.0.1 port, running inside its own MOUNT
 * NAMESPACE (`unshare --mount --propagation private`), where:
 * - /etc, /var and /usr/local are overlayfs mounts whose upper layers sit on a tmpfs private to
 *   the namespace: every write a step makes lands there and the host's real /etc, /var and
 *   /usr/local are untouched. Tests read device files through /proc/<sshd pid>/root, which
 *   resolves paths with the namespace's mounts.
 * - /etc/passwd and /etc/group add the device's own users aziotcs, aziotks, aziotid, aziottpm
 *   and iotedge, and an SSH user `edgeadmin` with passwordless sudo (/etc/sudoers.d), all only
 *   inside the namespace; the host's files are not modified. root's login shell is /bin/sh.
 * - /etc/os-release is a symlink to a control file, so each test picks its OS.
 * - /run is a private tmpfs (sshd's privilege separation dir /run/sshd).
 * - /usr/local/sbin (first in the scripts' PATH) holds STAND-INS for what needs the internet,
 *   Azure, systemd or a real package database: apt-get, dpkg-query, dpkg
 *   (--print-architecture), curl, wget, iotedge, systemctl, update-ca-certificates, and sync
 *   (which can SIGKILL the calling script to simulate a crash between temp write and rename).
 *   Each records its argv and environment (and, when asked, every process command line on
 *   the machine) into control/calls.log.
 *
 * Checked on this machine (Debian 12, root in a container): unshare --mount, tmpfs, bind and
 * overlay mounts all work, so no chroot is needed. Everything else (sh, coreutils, find, awk,
 * stat, chown) is the host's real binary.
 *
 * Everything started here is killed in stop(): the sshd process group and any process left in
 * the device's mount namespace.
 */

import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** The device's own service users (created by the aziot packages on a real device). */
export const DEVICE_USERS: Record<string, number> = {
    aziotcs: 7101,
    aziotks: 7102,
    aziotid: 7103,
    aziottpm: 7104,
    iotedge: 7105,
};

/** A non-root SSH user with passwordless sudo (only inside the device), for `sudo -n` steps. */
export const ADMIN_USER = { name: "edgeadmin", uid: 7200 };

export const OS_RELEASE = {
    ubuntu2204: [
        'PRETTY_NAME="Ubuntu 22.04.4 LTS"',
        'NAME="Ubuntu"',
        'VERSION_ID="22.04"',
        "ID=ubuntu",
        "ID_LIKE=debian",
    ].join("\n"),
    debian12: [
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
        'NAME="Debian GNU/Linux"',
        'VERSION_ID="12"',
        "ID=debian",
    ].join("\n"),
    raspbian11: [
        'PRETTY_NAME="Raspbian GNU/Linux 11 (bullseye)"',
        'NAME="Raspbian GNU/Linux"',
        'VERSION_ID="11"',
        "ID=raspbian",
        "ID_LIKE=debian",
    ].join("\n"),
    centos9: [
        'PRETTY_NAME="CentOS Stream 9"',
        'NAME="CentOS Stream"',
        'VERSION_ID="9"',
        "ID=centos",
        'ID_LIKE="rhel fedora"',
    ].join("\n"),
    ubuntu1804: ['PRETTY_NAME="Ubuntu 18.04.6 LTS"', 'VERSION_ID="18.04"', "ID=ubuntu"].join("\n"),
};

/** Run `ssh` with these arguments, the payload on stdin; collects its output. */
export function runSsh(argv: string[], stdin?: string): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = spawn("ssh", argv, { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code, signal) =>
            resolve({ code, signal, stdout, stderr, argv: ["ssh", ...argv] }),
        );
        child.stdin.on("error", () => undefined);
        child.stdin.end(stdin ?? "");
    });
}

export interface RunResult {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    /** The exact ssh argv used (the command string is its last element). */
    argv: string[];
}

/** One stand-in invocation, parsed from control/calls.log. */
export interface StandinCall {
    name: string;
    argv: string[];
    env: string;
    /** Every process command line at the time of the call (only with snapshots enabled). */
    processes: string;
}

/** Shared code of the stand-ins: record argv, environment, optionally a process snapshot. */
function standinLib(control: string): string {
    return `CONTROL=${control}
_b64() { base64 -w0; }
record() {
    {
        printf '@@call %s\\n' "$1"
        shift
        printf '@@argv'
        for a in "$@"; do printf ' %s' "$(printf '%s' "$a" | _b64)"; done
        printf '\\n'
        printf '@@env %s\\n' "$(env | _b64)"
        if [ -e "$CONTROL/snapshot" ]; then
            snap=$( (cat /proc/[0-9]*/cmdline; p=$$; while [ "$p" -gt 1 ]; do
                cat /proc/$p/environ; p=$(awk '/^PPid:/ { print $2 }' /proc/$p/status); done) 2>/dev/null |
                tr '\\0' '\\n' | _b64)
            printf '@@procs %s\\n' "$snap"
        fi
    } >>"$CONTROL/calls.log"
}
ctl() { cat "$CONTROL/$1" 2>/dev/null || printf '%s' "$2"; }
state_get() { awk -v p="$1" '$1 == p { print $2 }' "$CONTROL/dpkg-state" 2>/dev/null; }
state_set() {
    { grep -v "^$1 " "$CONTROL/dpkg-state" 2>/dev/null || :; [ -z "$2" ] || printf '%s %s\\n' "$1" "$2"; } >"$CONTROL/dpkg-state.new"
    mv "$CONTROL/dpkg-state.new" "$CONTROL/dpkg-state"
}
`;
}

/** The stand-ins, keyed by command name. Behaviour is read from control files. */
function standins(): Record<string, string> {
    const head = "#!/bin/sh\n. /usr/local/sbin/.standin-lib\n";
    return {
        "apt-get": `${head}record apt-get "$@"
[ ! -e "$CONTROL/fail-apt-get" ] || { echo "E: stand-in apt-get configured to fail" >&2; exit 100; }
op=""
for a in "$@"; do
    case "$a" in
        install|purge|remove|update) op=$a ;;
        -*) ;;
        *)
            case "$op" in
                install)
                    if [ -f "$a" ]; then
                        sum=$(sha256sum "$a" | cut -d' ' -f1)
                        printf '%s %s\\n' "$a" "$sum" >>"$CONTROL/installed-debs"
                        line=$(awk -v s="$sum" '$1 == s { print $2, $3 }' "$CONTROL/deb-map" 2>/dev/null)
                        if [ -n "$line" ]; then state_set $line; else b=\${a##*/}; state_set "\${b%.deb}" 1.0; fi
                    else
                        case "$a" in
                            *=*) state_set "\${a%%=*}" "\${a#*=}" ;;
                            *) state_set "$a" "$(ctl default-version 9.9.9-1)" ;;
                        esac
                    fi ;;
                purge|remove) state_set "$a" "" ;;
            esac ;;
    esac
done
exit 0
`,
        "dpkg-query": `${head}record dpkg-query "$@"
for a in "$@"; do pkg=$a; done
v=$(state_get "$pkg")
if [ -n "$v" ]; then printf 'install ok installed %s\\n' "$v"; exit 0; fi
echo "dpkg-query: no packages found matching $pkg" >&2
exit 1
`,
        dpkg: `${head}record dpkg "$@"
case "$1" in
    --print-architecture) ctl arch amd64; echo ;;
    *) echo "stand-in dpkg: unsupported $*" >&2; exit 2 ;;
esac
`,
        curl: `${head}record curl "$@"
while [ $# -gt 0 ]; do case "$1" in -o) shift; printf 'fake deb\\n' >"$1" ;; esac; shift; done
`,
        wget: `${head}record wget "$@"
while [ $# -gt 0 ]; do case "$1" in -O) shift; printf 'fake deb\\n' >"$1" ;; esac; shift; done
`,
        systemctl: `${head}record systemctl "$@"\n`,
        "update-ca-certificates": `${head}record update-ca-certificates "$@"\n`,
        sync: `${head}record sync "$@"
pattern=$(ctl kill-on-sync "")
if [ -n "$pattern" ]; then
    case "$*" in *$pattern*) rm -f "$CONTROL/kill-on-sync"; kill -9 "$PPID"; kill -9 $$ ;; esac
fi
exec /bin/sync "$@"
`,
        iotedge: `${head}record iotedge "$@"
case "$1 \${2:-}" in
    "config apply")
        rc=$(ctl apply-rc 0); echo "Azure IoT Edge has been configured successfully! (stand-in)"; exit "$rc" ;;
    "system status")
        if [ "$(ctl status ok)" = ok ]; then
            printf 'System services:\\n    aziot-edged             Running\\n    aziot-identityd         Running\\n    aziot-keyd              Running\\n    aziot-certd             Running\\n    aziot-tpmd              Ready\\n\\n'
        else
            printf 'System services:\\n    aziot-edged             Down - activating\\n    aziot-identityd         Running\\n\\n'
        fi
        exit 0 ;;
    "system logs")
        i=1; while [ $i -le 100 ]; do echo "daemon log line $i"; i=$((i + 1)); done; exit 0 ;;
    "system stop") exit 0 ;;
    "check "*)
        mode=$(ctl check connectivity-errors)
        echo "Configuration checks (aziot-identity-service)"
        echo "--------------------------------------------"
        echo "√ keyd configuration is well-formed - OK"
        if [ "$mode" = config-errors ]; then echo "× certd configuration is well-formed - Error"; fi
        echo ""
        echo "Connectivity checks (aziot-identity-service)"
        echo "--------------------------------------------"
        if [ "$mode" = ok ]; then echo "√ host can connect to and perform TLS handshake with iothub AMQP port - OK"
        else echo "× host can connect to and perform TLS handshake with iothub AMQP port - Error"; fi
        [ "$mode" = ok ] || exit 1
        exit 0 ;;
esac
echo "stand-in iotedge: unsupported $*" >&2
exit 2
`,
    };
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

async function canConnect(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect(port, "127.0.0.1");
        s.on("connect", () => {
            s.destroy();
            resolve(true);
        });
        s.on("error", () => resolve(false));
    });
}

export interface DeviceOptions {
    osRelease?: string;
    arch?: string;
}

/** A throwaway device reachable over real SSH. */
export class SshDevice {
    private proc?: ChildProcess;
    private exited?: Promise<void>;

    private constructor(
        /** Host directory holding everything of this device. */
        public readonly root: string,
        public readonly port: number,
        public readonly keyPath: string,
    ) {}

    get control(): string {
        return path.join(this.root, "control");
    }

    /**
     * Start a device. A failed start is cleaned up and retried (another test run on the same
     * machine may grab the free port between probing and sshd binding it).
     */
    static async start(options: DeviceOptions = {}): Promise<SshDevice> {
        let lastError: unknown;
        for (let attempt = 0; attempt < 3; attempt++) {
            const root = fs.mkdtempSync(path.join(os.tmpdir(), "iotedge-fleet-device-"));
            fs.chmodSync(root, 0o755);
            const port = await freePort();
            const dev = new SshDevice(root, port, path.join(root, "ssh", "id_ed25519"));
            try {
                dev.prepare(options);
                await dev.launch();
                return dev;
            } catch (e) {
                lastError = e;
                await dev.stop();
            }
        }
        throw lastError;
    }

    private prepare(options: DeviceOptions): void {
        const r = this.root;
        const control = this.control;
        for (const d of ["ssh", "control"]) {
            fs.mkdirSync(path.join(r, d));
        }
        // Seeds of the overlay upper layers; copied onto a tmpfs inside the namespace at launch
        // (overlayfs refuses an upper layer on some filesystems, e.g. another overlay).
        for (const name of ["etc", "var", "usr-local"]) {
            fs.mkdirSync(path.join(r, "seed", name), { recursive: true });
        }
        fs.mkdirSync(path.join(r, "ovl"));
        // Keys (throwaway).
        execFileSync("ssh-keygen", [
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-f",
            path.join(r, "ssh", "host"),
        ]);
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", this.keyPath]);
        fs.copyFileSync(`${this.keyPath}.pub`, path.join(r, "ssh", "authorized_keys"));
        fs.writeFileSync(
            path.join(r, "ssh", "sshd_config"),
            [
                `Port ${this.port}`,
                "ListenAddress 127.0.0.1",
                `HostKey ${path.join(r, "ssh", "host")}`,
                `AuthorizedKeysFile ${path.join(r, "ssh", "authorized_keys")}`,
                "PidFile none",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "Subsystem sftp internal-sftp",
                "LogLevel VERBOSE",
                "",
            ].join("\n"),
        );
        // Private /etc: users, groups, os-release (symlink to a control file).
        const etc = path.join(r, "seed", "etc");
        // root's login shell is /bin/sh (dash) on the device: commands must not rely on bash,
        // and the host's ~/.bashrc is not sourced into every session.
        const passwd = fs
            .readFileSync("/etc/passwd", "utf8")
            .replace(/^root:([^:]*:[^:]*:[^:]*:[^:]*:[^:]*):[^:\n]*$/m, "root:$1:/bin/sh");
        const group = fs.readFileSync("/etc/group", "utf8");
        const users = Object.entries(DEVICE_USERS);
        fs.writeFileSync(
            path.join(etc, "passwd"),
            passwd +
                users
                    .map(([u, id]) => `${u}:x:${id}:${id}::/nonexistent:/usr/sbin/nologin`)
                    .join("\n") +
                "\n",
        );
        fs.appendFileSync(
            path.join(etc, "passwd"),
            `${ADMIN_USER.name}:x:${ADMIN_USER.uid}:${ADMIN_USER.uid}::/tmp:/bin/sh\n`,
        );
        // pam_unix (sudo's account check) wants a shadow entry: "*" = no password, not locked.
        const shadow = path.join(etc, "shadow");
        fs.copyFileSync("/etc/shadow", shadow);
        fs.appendFileSync(shadow, `${ADMIN_USER.name}:*:19000:0:99999:7:::\n`);
        const hostShadow = fs.statSync("/etc/shadow");
        fs.chownSync(shadow, hostShadow.uid, hostShadow.gid);
        fs.chmodSync(shadow, hostShadow.mode & 0o777);
        fs.mkdirSync(path.join(etc, "sudoers.d"), { mode: 0o755 });
        fs.writeFileSync(
            path.join(etc, "sudoers.d", "iotedge-fleet-test"),
            `${ADMIN_USER.name} ALL=(ALL:ALL) NOPASSWD: ALL\n`,
            { mode: 0o440 },
        );
        fs.writeFileSync(
            path.join(etc, "group"),
            group +
                [...users, [ADMIN_USER.name, ADMIN_USER.uid] as const]
                    .map(([u, id]) => `${u}:x:${id}:`)
                    .join("\n") +
                "\n",
        );
        fs.symlinkSync(path.join(control, "os-release"), path.join(etc, "os-release"));
        this.setOsRelease(options.osRelease ?? OS_RELEASE.ubuntu2204);
        this.setControl("arch", options.arch ?? "amd64");
        // Stand-ins in /usr/local/sbin.
        const sbin = path.join(r, "seed", "usr-local", "sbin");
        fs.mkdirSync(sbin, { recursive: true });
        fs.writeFileSync(path.join(sbin, ".standin-lib"), standinLib(control));
        for (const [name, body] of Object.entries(standins())) {
            fs.writeFileSync(path.join(sbin, name), body, { mode: 0o755 });
        }
    }

    private async launch(): Promise<void> {
        const r = this.root;
        const ovl = (name: string, target: string) =>
            `mount -t overlay overlay -o lowerdir=${target},upperdir=${r}/ovl/${name}/upper,` +
            `workdir=${r}/ovl/${name}/work ${target}`;
        const setup = [
            "set -e",
            `mount -t tmpfs -o mode=0755 tmpfs ${r}/ovl`,
            ...["etc", "var", "usr-local"].map(
                (n) =>
                    `mkdir -p ${r}/ovl/${n}/upper ${r}/ovl/${n}/work && ` +
                    `cp -a ${r}/seed/${n}/. ${r}/ovl/${n}/upper/`,
            ),
            ovl("etc", "/etc"),
            ovl("var", "/var"),
            ovl("usr-local", "/usr/local"),
            "mount -t tmpfs -o mode=0755 tmpfs /run",
            "mkdir -p /run/sshd",
            `exec /usr/sbin/sshd -D -e -f ${r}/ssh/sshd_config 2>>${r}/sshd.log`,
        ].join("\n");
        const proc = spawn(
            "unshare",
            ["--mount", "--propagation", "private", "--", "sh", "-c", setup],
            {
                detached: true,
                stdio: ["ignore", "ignore", "pipe"],
            },
        );
        let stderr = "";
        proc.stderr!.on("data", (d) => (stderr += d));
        this.proc = proc;
        let exitedEarly = false;
        this.exited = new Promise((resolve) =>
            proc.on("exit", () => {
                exitedEarly = true;
                resolve();
            }),
        );
        // Wait for the listener (bounded by a count of attempts, not by a timed assertion).
        for (let i = 0; i < 200; i++) {
            if (exitedEarly) {
                throw new Error(`sshd did not start: ${stderr}${this.sshdLog()}`);
            }
            if (await canConnect(this.port)) {
                return;
            }
            await new Promise((res) => setTimeout(res, 25));
        }
        throw new Error(`sshd did not listen on ${this.port}: ${stderr}${this.sshdLog()}`);
    }

    /** sshd's own log (-e). */
    sshdLog(): string {
        try {
            return fs.readFileSync(path.join(this.root, "sshd.log"), "utf8");
        } catch {
            return "";
        }
    }

    setOsRelease(content: string): void {
        this.setControl("os-release", content + "\n");
    }

    setControl(name: string, value: string | undefined): void {
        const p = path.join(this.control, name);
        if (value === undefined) {
            fs.rmSync(p, { force: true });
        } else {
            fs.writeFileSync(p, value);
        }
    }

    /** Packages the fake dpkg database says are installed. */
    installedPackages(): Record<string, string> {
        const p = path.join(this.control, "dpkg-state");
        if (!fs.existsSync(p)) {
            return {};
        }
        return Object.fromEntries(
            fs
                .readFileSync(p, "utf8")
                .split("\n")
                .filter(Boolean)
                .map((l) => l.split(" ") as [string, string]),
        );
    }

    /** The ssh argv remote.Command's connection amounts to, for a command string. */
    sshArgv(command: string, user = "root"): string[] {
        return [
            "-i",
            this.keyPath,
            "-p",
            String(this.port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "LogLevel=ERROR",
            `${user}@127.0.0.1`,
            command,
        ];
    }

    /** Run a command string over SSH with an optional stdin payload, like remote.Command. */
    async run(command: string, stdin?: string, user = "root"): Promise<RunResult> {
        return runSsh(this.sshArgv(command, user), stdin);
    }

    /** Copy a local file to the device over SFTP (what CopyToRemote does). */
    copyTo(localPath: string, remotePath: string): void {
        execFileSync("scp", [
            "-q",
            "-i",
            this.keyPath,
            "-P",
            String(this.port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            localPath,
            `root@127.0.0.1:${remotePath}`,
        ]);
    }

    /**
     * A host path that reads a device path through the device's mount namespace
     * (`/proc/<sshd pid>/root` resolves paths with that namespace's mounts).
     */
    hostPath(devicePath: string): string {
        if (!devicePath.startsWith("/") || this.proc?.pid === undefined) {
            throw new Error(`bad device path ${devicePath} or device not running`);
        }
        return `/proc/${this.proc.pid}/root${devicePath}`;
    }

    exists(devicePath: string): boolean {
        return fs.existsSync(this.hostPath(devicePath));
    }

    read(devicePath: string): string {
        return fs.readFileSync(this.hostPath(devicePath), "utf8");
    }

    /** Entries of a device directory (empty when absent). */
    list(devicePath: string): string[] {
        const p = this.hostPath(devicePath);
        return fs.existsSync(p) ? fs.readdirSync(p).sort() : [];
    }

    /** `owner:group mode` of device paths, resolved by the device's own passwd (via SSH). */
    async stat(paths: string[]): Promise<Record<string, string>> {
        const res = await this.run(`stat -c '%n %U:%G %a' ${paths.map((p) => `'${p}'`).join(" ")}`);
        if (res.code !== 0) {
            throw new Error(`stat failed: ${res.stderr}`);
        }
        return Object.fromEntries(
            res.stdout
                .trim()
                .split("\n")
                .map((l) => {
                    const [n, ...rest] = l.split(" ");
                    return [n, rest.join(" ")];
                }),
        );
    }

    /** Raw stand-in log. */
    rawCalls(): string {
        const p = path.join(this.control, "calls.log");
        return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "";
    }

    calls(): StandinCall[] {
        const out: StandinCall[] = [];
        const dec = (s: string) => Buffer.from(s, "base64").toString("utf8");
        for (const block of this.rawCalls().split("@@call ").slice(1)) {
            const lines = block.split("\n");
            const call: StandinCall = { name: lines[0], argv: [], env: "", processes: "" };
            for (const l of lines.slice(1)) {
                if (l.startsWith("@@argv")) {
                    call.argv = l
                        .slice(6)
                        .trim()
                        .split(" ")
                        .filter((x) => x !== "" || false)
                        .map(dec);
                } else if (l.startsWith("@@env ")) {
                    call.env = dec(l.slice(6));
                } else if (l.startsWith("@@procs ")) {
                    call.processes = dec(l.slice(8));
                }
            }
            out.push(call);
        }
        return out;
    }

    clearCalls(): void {
        fs.rmSync(path.join(this.control, "calls.log"), { force: true });
    }

    /** Stop sshd and anything left in the device's mount namespace; remove the device root. */
    async stop(): Promise<void> {
        const proc = this.proc;
        if (proc?.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
            let ns: string | undefined;
            try {
                ns = fs.readlinkSync(`/proc/${proc.pid}/ns/mnt`);
            } catch {
                ns = undefined;
            }
            try {
                process.kill(-proc.pid, "SIGKILL");
            } catch {
                // already gone
            }
            await this.exited;
            if (ns !== undefined && ns !== fs.readlinkSync("/proc/self/ns/mnt")) {
                for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
                    try {
                        if (fs.readlinkSync(`/proc/${pid}/ns/mnt`) === ns) {
                            process.kill(Number(pid), "SIGKILL");
                        }
                    } catch {
                        // raced with exit
                    }
                }
            }
        }
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
