// Shared by test binaries that need a real SSH server; each uses a subset.
#![allow(dead_code)]

//! A private OpenSSH server on 127.0.0.1 for end-to-end tests: host and
//! user keys generated into a temp dir, a minimal config, `sshd -D` as a
//! child process killed on drop.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

pub struct Sshd {
    dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
    pub user: String,
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen is required for the SSH end-to-end test (openssh-client)");
    assert!(out.status.success(), "ssh-keygen failed: {out:?}");
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port on 127.0.0.1")
        .port()
}

impl Sshd {
    /// Start sshd or panic with the reason: a test that needs it must never
    /// pass without it.
    pub fn start() -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: apt-get install -y openssh-server (.ci/run does this)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        keygen(&d.join("host_ed25519"));
        keygen(&d.join("user_ed25519"));
        fs::copy(d.join("user_ed25519.pub"), d.join("authorized_keys"))
            .expect("write authorized_keys");
        // Privilege separation directory, required even for a private sshd.
        let _ = fs::create_dir_all("/run/sshd");
        let port = free_port();
        let config = format!(
            "ListenAddress 127.0.0.1\n\
             Port {port}\n\
             HostKey {d}/host_ed25519\n\
             AuthorizedKeysFile {d}/authorized_keys\n\
             PidFile {d}/sshd.pid\n\
             UsePAM no\n\
             PermitRootLogin yes\n\
             StrictModes no\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             PrintMotd no\n\
             PrintLastLog no\n\
             Subsystem sftp internal-sftp\n",
            d = d.display()
        );
        fs::write(d.join("sshd_config"), config).expect("write sshd_config");
        let log = fs::File::create(d.join("sshd.log")).expect("sshd log file");
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {SSHD}: {e}"));
        let mut s = Sshd {
            dir,
            child,
            port,
            user: current_user(),
        };
        s.wait_listening();
        s
    }

    fn wait_listening(&mut self) {
        let start = Instant::now();
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "sshd exited ({status}) before listening on port {}:\n{}",
                    self.port,
                    self.log()
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "sshd never listened on 127.0.0.1:{}:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    pub fn key(&self) -> PathBuf {
        self.dir.path().join("user_ed25519")
    }

    /// The client command line: a forced PTY (`-tt`), our key only, no host
    /// key bookkeeping, then `remote` as the command to run.
    pub fn ssh_command(&self, remote: &str) -> String {
        format!(
            "ssh -tt -i {key} -p {port} -o StrictHostKeyChecking=no \
             -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes \
             -o BatchMode=yes {user}@127.0.0.1 \"{remote}\"",
            key = self.key().display(),
            port = self.port,
            user = self.user,
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// PIDs of live processes whose command line contains every one of `needles`.
pub fn processes_matching(needles: &[&str]) -> Vec<u32> {
    let me = std::process::id();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            let Ok(raw) = fs::read(format!("/proc/{pid}/cmdline")) else {
                return false;
            };
            // Zombies have an empty command line and are already gone for us.
            let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
            !cmdline.is_empty() && needles.iter().all(|n| cmdline.contains(n))
        })
        .collect()
}
