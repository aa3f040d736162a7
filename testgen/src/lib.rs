//! Random valid topologies, as TOML text, for topoc's property tests, fuzz
//! seeds and benchmarks.
//!
//! [`generate`] turns a node count (2 to [`MAX_NODES`]) and a seed into a
//! machine that topoc must accept: CPU nodes (one per socket), memory-only
//! HBM and CXL nodes, Generic Initiator nodes of GPUs, links with latency and
//! bandwidth (sometimes asymmetric), memory latency and bandwidth on every
//! memory node so the HMAT is full, memory-side caches, Specific Purpose
//! Memory (whole nodes and parts), attached initiators and explicit `[[hmat]]`
//! entries. The same (nodes, seed) always gives the same text. Alongside the
//! text, [`Topology`] says what the generator meant, so a test can compare
//! topoc's IR and tables with an account that did not come from topoc.
//!
//! ## Why a crate of its own
//! The generator is needed by three users that cannot share a module of the
//! `topoc` library without changing its API: integration tests and benches
//! (which see only the public library), and the fuzz crate (a separate
//! cargo project). A `#[doc(hidden)] pub mod` behind a cargo feature would
//! put test code into the library and force every test run to switch the
//! feature on (a self dev-dependency or `required-features`). It needs
//! nothing from topoc either: it writes the input language, not the IR. So it
//! is a small workspace crate with no dependencies, a dev-dependency of
//! `topoc` and a path dependency of `fuzz/`; the library stays as it was.
//!
//! ## What "valid" takes
//! The generator stays inside every check rule by construction, and the
//! property tests prove it:
//! - node ids are dense from 0 (T100) and below 1024 (T013); the qemu target
//!   takes at most [`QEMU_MAX_NODES`], so larger machines check with exactly
//!   the one T100 finding for ids 128 and up;
//! - sockets are joined in a ring with random chords (a small world: short
//!   paths, so derived distances and latencies stay in range) and every other
//!   node hangs off its socket, so every pair has a path (T053, T073, T080);
//! - latencies are whole tens of nanoseconds and bandwidths whole GiB/s, so
//!   QEMU's shared HMAT base units hold every value exactly (T065, T106);
//! - SPM is only on memory-only nodes (T042), in 128 MiB blocks (T044), at
//!   most [`MAX_SPM_NODES`] of them (each splits an E820 entry, T035), only
//!   where it lands above 4 GiB of guest-physical memory (T044, T045), and
//!   boot RAM stays below 64 GiB, where the guest's memory blocks grow;
//!   machines beyond QEMU's node limit have none;
//! - at most [`MAX_DEVICES`] devices: QEMU's q35 root bus has free slots
//!   0x10 to 0x1e only; larger machines share a device among sockets, each
//!   with several Generic Initiator nodes;
//! - memory totals stay far below the AMD HyperTransport hole at 1 TiB (T101).

/// Large inputs that are wrong on purpose, for the tests of topoc's bounds.
pub mod hostile;

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The largest machine the generator makes: the guest kernel's proximity
/// domain limit (`MAX_NUMNODES` with `NODES_SHIFT=10`).
pub const MAX_NODES: usize = 1024;
/// QEMU's `MAX_NODES`: the qemu target refuses larger machines (T100).
pub const QEMU_MAX_NODES: usize = 128;
/// Root-bus slots 0x10 to 0x1e.
pub const MAX_DEVICES: usize = 15;
/// Nodes with Specific Purpose Memory.
pub const MAX_SPM_NODES: usize = 8;

const MIB: u64 = 1 << 20;

/// SplitMix64: small, fast, and the same on every platform.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0; 0 gives 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// A multiple of `step` in `[lo, hi]`.
    fn step(&mut self, lo: u64, hi: u64, step: u64) -> u64 {
        lo + self.below((hi - lo) / step + 1) * step
    }
}

/// What a generated node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A socket: CPUs and DRAM.
    Cpu,
    /// Memory-only HBM.
    Hbm,
    /// Memory-only CXL memory.
    Cxl,
    /// A Generic Initiator node of a device: no CPUs, no memory.
    Initiator,
}

/// One node, as the generator wrote it.
#[derive(Clone, Debug)]
pub struct Node {
    /// Its proximity domain.
    pub id: u32,
    pub name: String,
    pub role: Role,
    /// The socket it belongs to (index into the CPU nodes).
    pub socket: usize,
    /// Its vCPUs, `first..=last`.
    pub cpus: Option<(u32, u32)>,
    /// Memory in bytes (0 for none).
    pub memory: u64,
    /// Bytes of it that are Specific Purpose Memory.
    pub spm: u64,
    /// Memory-side cache levels.
    pub caches: usize,
}

/// A generated topology: the TOML text and what it describes.
#[derive(Clone, Debug)]
pub struct Topology {
    pub toml: String,
    /// In id order.
    pub nodes: Vec<Node>,
    pub devices: usize,
    pub links: usize,
    /// vCPUs in the machine (sockets × cores × threads).
    pub cpus: u32,
    /// Links with different values by direction (and `distances.asymmetric`).
    pub asymmetric: bool,
    /// Explicit `[[hmat]]` entries.
    pub hmat_entries: usize,
    /// The devices sit behind their sockets' host bridges (`numa-node`).
    pub bridged: bool,
}

impl Topology {
    pub fn memory_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.memory > 0)
    }

    pub fn initiators(&self) -> impl Iterator<Item = &Node> {
        self.nodes
            .iter()
            .filter(|n| matches!(n.role, Role::Cpu | Role::Initiator))
    }
}

struct Device {
    name: String,
    socket: usize,
    gi: Vec<usize>,
}

struct Link {
    from: String,
    to: String,
    kind: &'static str,
    latency: u64,
    bandwidth: u64,
    reverse: Option<(u64, u64)>,
}

/// How devices reach the guest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Devices {
    /// Emulated stand-ins (`emulate = "pci-testdev"`): what the qemu target
    /// and the guest tests run.
    #[default]
    StandIn,
    /// Host devices passed through (`host = "0000:NN:00.0"`): what
    /// cloud-hypervisor takes, as it has no stand-in device.
    Host,
}

/// A valid topology of `nodes` nodes (clamped to 2..=[`MAX_NODES`]) from `seed`.
pub fn generate(nodes: usize, seed: u64) -> Topology {
    generate_with(nodes, seed, Devices::StandIn)
}

/// [`generate`] with a choice of device kind; the rest is the same machine.
pub fn generate_with(nodes: usize, seed: u64, devices_as: Devices) -> Topology {
    let n = nodes.clamp(2, MAX_NODES);
    let mut rng = Rng::new(seed ^ (n as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let big = n > QEMU_MAX_NODES;
    // Up to 32 nodes may have up to 1 GiB each; beyond that boot RAM must
    // stay below 64 GiB, where the guest's memory blocks (and so SPM
    // alignment, T044) grow. Beyond QEMU's limit there is no SPM at all.
    let small = n > 32;
    let spm_allowed = if big { 0 } else { MAX_SPM_NODES };

    // Sockets, then the other nodes spread over them. APIC ids pack socket,
    // core and thread into bit fields; keeping the highest below 255 keeps
    // the machine within what QEMU starts without x2APIC (T113), so at most
    // 255 sockets, and fewer cores the more sockets there are.
    let sockets = (n / (1 + rng.below(4) as usize)).clamp(1, 255);
    let per_socket_max = (255 / sockets as u64).max(1);
    let cores = *[1u64, 2, 4]
        .iter()
        .filter(|&&c| c <= per_socket_max)
        .nth(rng.below(3) as usize)
        .unwrap_or(&1);
    let threads = if cores * 2 <= per_socket_max && rng.chance(1, 4) {
        2
    } else {
        1
    };
    let per_socket = (cores * threads) as u32;
    let asymmetric = rng.chance(1, 4);
    let lat_step = if rng.chance(1, 5) { 5 } else { 10 };

    let mut roles: Vec<(Role, usize)> = (0..sockets).map(|s| (Role::Cpu, s)).collect();
    for j in 0..n - sockets {
        let socket = j % sockets;
        let role = match rng.below(6) {
            0 | 1 => Role::Initiator,
            2..=4 => Role::Hbm,
            _ => Role::Cxl,
        };
        roles.push((role, socket));
    }
    // Ids: a random permutation, so CPU nodes are not always first.
    let mut ids: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        ids.swap(i, j);
    }

    let mut out: Vec<Node> = Vec::with_capacity(n);
    let mut counts = vec![0usize; sockets];
    let mut spm_nodes = 0;
    let mut mem_text: Vec<String> = Vec::with_capacity(n);
    let mut attach: Vec<Option<usize>> = vec![None; n];
    // SPM the generator would like, (offset, size) per node: granted below
    // where it lands above 4 GiB of guest-physical memory.
    let mut spm_wish: Vec<Option<(u64, u64)>> = vec![None; n];
    for (k, &(role, socket)) in roles.iter().enumerate() {
        let name = match role {
            Role::Cpu => format!("s{socket}"),
            _ => {
                counts[socket] += 1;
                let tag = match role {
                    Role::Hbm => "hbm",
                    Role::Cxl => "cxl",
                    _ => "gi",
                };
                format!("s{socket}-{tag}{}", counts[socket])
            }
        };
        let mut node = Node {
            id: ids[k],
            name,
            role,
            socket,
            cpus: None,
            memory: 0,
            spm: 0,
            caches: 0,
        };
        let mut text = String::new();
        match role {
            Role::Cpu => {
                let first = socket as u32 * per_socket;
                node.cpus = Some((first, first + per_socket - 1));
                node.memory = 128 * MIB * rng.pick(if small { &[1, 2][..] } else { &[1, 2, 4, 8] });
                memory_table(
                    &mut text,
                    node.memory,
                    "dram",
                    rng.step(80, 130, lat_step),
                    rng.pick(&[64, 128, 256, 512]),
                );
            }
            Role::Hbm => {
                node.memory = 256 * MIB * rng.pick(if small { &[1][..] } else { &[1, 2, 4] });
                memory_table(
                    &mut text,
                    node.memory,
                    "hbm",
                    rng.step(60, 100, lat_step),
                    rng.pick(&[512, 1024, 2048]),
                );
                if spm_nodes < spm_allowed && rng.chance(1, 3) {
                    spm_nodes += 1;
                    spm_wish[k] = Some((0, node.memory));
                }
                if rng.chance(1, 4) {
                    attach[k] = Some(socket);
                }
                if rng.chance(1, 2) {
                    let first = 32 * MIB * rng.pick(&[1, 2]);
                    node.caches = 1 + rng.below(2) as usize;
                    for level in 1..=node.caches {
                        let _ = write!(
                            text,
                            "\n[[node.memory.cache]]\nlevel = {level}\nsize = \"{}MiB\"\nassociativity = \"{}\"\npolicy = \"{}\"\nline = {}\n",
                            (first << (level - 1)) / MIB,
                            rng.pick(&["none", "direct", "complex"]),
                            rng.pick(&["none", "write-back", "write-through"]),
                            rng.pick(&[64, 128, 256]),
                        );
                    }
                }
            }
            Role::Cxl => {
                node.memory = 256 * MIB * rng.pick(if small { &[2][..] } else { &[2, 4] });
                memory_table(
                    &mut text,
                    node.memory,
                    "cxl",
                    rng.step(150, 250, lat_step),
                    rng.pick(&[32, 64, 128]),
                );
                if spm_nodes < spm_allowed && rng.chance(1, 3) {
                    spm_nodes += 1;
                    let half = node.memory / 2;
                    spm_wish[k] = Some((half, half));
                }
                if rng.chance(1, 4) {
                    attach[k] = Some(socket);
                }
            }
            Role::Initiator => {}
        }
        mem_text.push(text);
        out.push(node);
    }
    // SPM only where QEMU's q35 puts it above 4 GiB: RAM reaches 2.75 GiB
    // (so 2 GiB of it stays below 4 GiB) and at least 2 GiB of boot RAM
    // comes before the node in id order. Below, SeaBIOS keeps the top of low
    // RAM for itself (T044) and the guest kernel needs the bottom to boot and
    // to place itself (T045).
    let total: u64 = out.iter().map(|n| n.memory).sum();
    let mut by_id: Vec<usize> = (0..n).collect();
    by_id.sort_by_key(|&k| out[k].id);
    let mut before = 0u64;
    for &k in &by_id {
        if let Some((offset, size)) = spm_wish[k] {
            if total >= 0xb000_0000 && before >= 2 << 30 {
                out[k].spm = size;
                let _ = write!(
                    mem_text[k],
                    "\n[[node.memory.spm]]\noffset = \"{}MiB\"\nsize = \"{}MiB\"\n",
                    offset / MIB,
                    size / MIB
                );
            }
        }
        before += out[k].memory;
    }

    // Devices: one per socket up to MAX_DEVICES, then shared round-robin.
    let mut devices: Vec<Device> = Vec::new();
    let mut device_of_socket = vec![usize::MAX; sockets];
    for (k, node) in out.iter().enumerate() {
        if node.role != Role::Initiator {
            continue;
        }
        let s = node.socket;
        if device_of_socket[s] == usize::MAX {
            device_of_socket[s] = if devices.len() < MAX_DEVICES {
                devices.push(Device {
                    name: format!("gpu{}", devices.len()),
                    socket: s,
                    gi: Vec::new(),
                });
                devices.len() - 1
            } else {
                s % MAX_DEVICES
            };
        }
        devices[device_of_socket[s]].gi.push(k);
    }

    // Links.
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut links: Vec<Link> = Vec::new();
    let mut add =
        |rng: &mut Rng, from: &str, to: &str, kind: &'static str, lat: (u64, u64), bw: &[u64]| {
            let key = if from < to {
                (from.to_string(), to.to_string())
            } else {
                (to.to_string(), from.to_string())
            };
            if from == to || !pairs.insert(key) {
                return;
            }
            let latency = rng.step(lat.0, lat.1, lat_step);
            let bandwidth = rng.pick(bw);
            let reverse = (asymmetric && rng.chance(1, 2)).then(|| {
                (
                    latency + lat_step * (1 + rng.below(3)),
                    (bandwidth / 2).max(16),
                )
            });
            links.push(Link {
                from: from.to_string(),
                to: to.to_string(),
                kind,
                latency,
                bandwidth,
                reverse,
            });
        };
    let socket_name = |s: usize| format!("s{s}");
    for s in 0..sockets {
        if sockets > 1 {
            let kind = rng.pick(&["upi", "xgmi", "other"]);
            add(
                &mut rng,
                &socket_name(s),
                &socket_name((s + 1) % sockets),
                kind,
                (100, 160),
                &[32, 48, 64, 128],
            );
        }
        // A chord to a socket 2^k away: a small world keeps paths short.
        if sockets > 3 {
            let max_k = usize::BITS - (sockets - 1).leading_zeros();
            let k = 1 + rng.below(u64::from(max_k)) as u32;
            let to = (s + (1usize << k.min(max_k))) % sockets;
            let kind = rng.pick(&["upi", "xgmi"]);
            add(
                &mut rng,
                &socket_name(s),
                &socket_name(to),
                kind,
                (100, 160),
                &[32, 64],
            );
        }
    }
    for node in &out {
        match node.role {
            Role::Hbm => add(
                &mut rng,
                &socket_name(node.socket),
                &node.name,
                "infinity-fabric",
                (20, 60),
                &[128, 256, 512],
            ),
            Role::Cxl => add(
                &mut rng,
                &socket_name(node.socket),
                &node.name,
                "cxl",
                (60, 120),
                &[32, 64],
            ),
            _ => {}
        }
    }
    for d in &devices {
        let kind = rng.pick(&["pcie", "nvlink-c2c", "other"]);
        add(
            &mut rng,
            &socket_name(d.socket),
            &d.name,
            kind,
            (50, 150),
            &[32, 64, 256],
        );
        // And to an HBM node of its socket, as a GPU reaches its own HBM.
        if let Some(h) = out
            .iter()
            .find(|m| m.role == Role::Hbm && m.socket == d.socket)
        {
            add(
                &mut rng,
                &d.name,
                &h.name,
                "nvlink",
                (10, 30),
                &[1024, 2048],
            );
        }
    }

    // Explicit HMAT values between a socket and a memory node.
    let mut hmat = String::new();
    let mut hmat_entries = 0;
    if rng.chance(1, 3) {
        let mem: Vec<usize> = (0..n).filter(|&k| out[k].memory > 0).collect();
        let mut seen = BTreeSet::new();
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(sockets as u64) as usize;
            let t = mem[rng.below(mem.len() as u64) as usize];
            if !seen.insert((i, t)) {
                continue;
            }
            hmat_entries += 1;
            let _ = write!(
                hmat,
                "\n[[hmat]]\ninitiator = \"{}\"\ntarget = \"{}\"\nlatency = \"{}ns\"\nbandwidth = \"{}GiB/s\"\n",
                socket_name(i),
                out[t].name,
                rng.step(100, 400, 10),
                rng.pick(&[32, 64, 128]),
            );
        }
    }

    // The text, nodes in id order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&k| out[k].id);
    let mut toml = String::with_capacity(n * 256);
    let _ = write!(
        toml,
        "# Generated by topoc-testgen: {n} nodes, seed {seed:#x}.\ntopoc = 1\n\n[machine]\nname = \"gen-{n}-{seed:x}\"\n\n[machine.cpus]\nsockets = {sockets}\ncores = {cores}\nthreads = {threads}\n"
    );
    if asymmetric || rng.chance(1, 4) {
        toml.push_str("\n[distances]\n");
        if asymmetric {
            toml.push_str("asymmetric = true\n");
        }
        if rng.chance(1, 2) {
            let _ = writeln!(toml, "reference-latency = \"{}ns\"", rng.step(80, 120, 10));
        }
    }
    if rng.chance(1, 4) {
        let _ = write!(
            toml,
            "\n[target.qemu]\nfirmware = \"{}\"\n",
            rng.pick(&["seabios", "ovmf"])
        );
    }
    for &k in &order {
        let node = &out[k];
        let _ = write!(
            toml,
            "\n[[node]]\nid = {}\nname = \"{}\"\n",
            node.id, node.name
        );
        if let Some((a, b)) = node.cpus {
            if a == b {
                let _ = writeln!(toml, "cpus = {a}");
            } else {
                let _ = writeln!(toml, "cpus = \"{a}-{b}\"");
            }
        }
        if let Some(s) = attach[k] {
            let _ = writeln!(toml, "initiator = \"{}\"", socket_name(s));
        }
        if !mem_text[k].is_empty() {
            toml.push_str("\n[node.memory]\n");
            toml.push_str(&mem_text[k]);
        }
    }
    // A third of the machines put their devices behind their sockets' host
    // bridges (`numa-node`): QEMU's pxb bridges, cloud-hypervisor's PCI
    // segments.
    let bridged = !devices.is_empty() && rng.chance(1, 3);
    for (k, d) in devices.iter().enumerate() {
        let mut source = match devices_as {
            Devices::StandIn => "emulate = \"pci-testdev\"".to_string(),
            Devices::Host => format!("host = \"0000:{:02x}:00.0\"", 0x41 + k),
        };
        if bridged {
            let _ = write!(source, "\nnuma-node = \"{}\"", socket_name(d.socket));
        }
        let _ = write!(
            toml,
            "\n[[device]]\nname = \"{}\"\nkind = \"gpu\"\n{source}\ninitiator-nodes = [",
            d.name
        );
        for (i, &k) in d.gi.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(toml, "{sep}\"{}\"", out[k].name);
        }
        toml.push_str("]\n");
    }
    for l in &links {
        let _ = write!(
            toml,
            "\n[[link]]\nfrom = \"{}\"\nto = \"{}\"\nkind = \"{}\"\nlatency = \"{}ns\"\nbandwidth = \"{}GiB/s\"\n",
            l.from, l.to, l.kind, l.latency, l.bandwidth
        );
        if let Some((lat, bw)) = l.reverse {
            let _ = write!(
                toml,
                "reverse-latency = \"{lat}ns\"\nreverse-bandwidth = \"{bw}GiB/s\"\n"
            );
        }
    }
    toml.push_str(&hmat);

    Topology {
        toml,
        nodes: order.iter().map(|&k| out[k].clone()).collect(),
        devices: devices.len(),
        links: links.len(),
        cpus: sockets as u32 * per_socket,
        asymmetric,
        hmat_entries,
        bridged,
    }
}

fn memory_table(out: &mut String, size: u64, kind: &str, latency: u64, bandwidth: u64) {
    let _ = write!(
        out,
        "size = \"{}MiB\"\nkind = \"{kind}\"\nlatency = \"{latency}ns\"\nbandwidth = \"{bandwidth}GiB/s\"\n",
        size / MIB
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_text() {
        for n in [2, 7, 128, 1024] {
            assert_eq!(generate(n, 42).toml, generate(n, 42).toml);
            assert_ne!(generate(n, 1).toml, generate(n, 2).toml);
        }
    }

    #[test]
    fn shape() {
        for seed in 0..200 {
            for n in [2, 3, 5, 17, 128, 300] {
                let t = generate(n, seed);
                assert_eq!(t.nodes.len(), n);
                let ids: Vec<u32> = t.nodes.iter().map(|n| n.id).collect();
                assert_eq!(ids, (0..n as u32).collect::<Vec<_>>());
                assert!(t.devices <= MAX_DEVICES);
                assert!(t.nodes.iter().filter(|n| n.spm > 0).count() <= MAX_SPM_NODES);
                assert!(t.cpus as usize <= 1024.max(n));
            }
        }
    }
}
