//! The cloud-hypervisor binary the tests run, found in the order
//! `scripts/install-cloud-hypervisor.sh` uses (the script also builds one;
//! this never does):
//!
//! 1. `$TOPOC_CLOUD_HYPERVISOR`, which must then be a supported release;
//! 2. `cloud-hypervisor` on `PATH`, when it is a supported release;
//! 3. `${XDG_CACHE_HOME:-$HOME/.cache}/topoc/cloud-hypervisor-v53.0/cloud-hypervisor`.
//!
//! Supported: the releases `[target.cloud-hypervisor] version` names (52.0,
//! 53.0, 54.0), printed by `--version` as `cloud-hypervisor vX.Y.Z`; a
//! development build (`v53.0.0-12-g…`) is not one. When none is found the
//! tests fail with [`HOWTO`]: they never skip.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A cloud-hypervisor binary and the release it is, as topoc spells it.
#[derive(Clone, Debug)]
pub struct ChBinary {
    pub path: PathBuf,
    /// `"53.0"`: the value for `--ch-version`.
    pub version: String,
}

/// What to do when no binary is found.
pub const HOWTO: &str = "run scripts/install-cloud-hypervisor.sh (it builds v53.0 from ../shared/tools/cloud-hypervisor when that is beside the repository), or provide a cloud-hypervisor v52.0, v53.0 or v54.0 yourself: set TOPOC_CLOUD_HYPERVISOR=/path/to/cloud-hypervisor, put it on PATH as cloud-hypervisor, or place it at ${XDG_CACHE_HOME:-$HOME/.cache}/topoc/cloud-hypervisor-v53.0/cloud-hypervisor";

/// `cloud-hypervisor v53.0.0` -> `53.0`, for the releases topoc knows.
fn release(path: &Path) -> Option<String> {
    let out = Command::new(path).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text.lines().next()?.strip_prefix("cloud-hypervisor v")?;
    let parts: Vec<&str> = v.split('.').collect();
    let numeric = parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok());
    let xy = format!("{}.{}", parts.first()?, parts.get(1)?);
    (numeric && ["52.0", "53.0", "54.0"].contains(&xy.as_str())).then_some(xy)
}

/// The binary to run, or why there is none (with [`HOWTO`]).
pub fn cloud_hypervisor() -> Result<ChBinary, String> {
    if let Some(p) = std::env::var_os("TOPOC_CLOUD_HYPERVISOR") {
        let path = PathBuf::from(p);
        return release(&path)
            .map(|version| ChBinary {
                path: path.clone(),
                version,
            })
            .ok_or(format!(
                "TOPOC_CLOUD_HYPERVISOR={} is not a runnable cloud-hypervisor v52.0, v53.0 or v54.0; {HOWTO}",
                path.display()
            ));
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("cloud-hypervisor"))
        .find(|c| c.is_file());
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join("topoc/cloud-hypervisor-v53.0/cloud-hypervisor"));
    on_path
        .into_iter()
        .chain(cache)
        .find_map(|path| release(&path).map(|version| ChBinary { path, version }))
        .ok_or(format!(
            "no cloud-hypervisor v52.0, v53.0 or v54.0 found; {HOWTO}"
        ))
}
