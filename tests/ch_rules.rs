//! Each cloud-hypervisor rule against the real binary: where topoc refuses,
//! the command line it would have emitted (the pipeline without the check
//! stage: layouts and emitters are total) is run and the binary must refuse
//! it too, with the error text topoc quotes; where topoc accepts, the binary
//! must accept. Where topoc refuses what cloud-hypervisor accepts, because
//! the guest would get wrong tables, the probe shows the wrong tables.
//! Where the outcome depends on the host (KVM's vCPU limit, hugepages,
//! execve's argument space), the test reads the host and requires the
//! matching outcome.
//!
//! Rules: the capabilities T200-T207, the mirrors T208-T218, and T020, T031,
//! T051 where they concern cloud-hypervisor.

#[path = "support/ch.rs"]
mod ch;
#[path = "ch-probe/kit.rs"]
#[allow(dead_code)]
mod kit;

use kit::Outcome;
use std::path::Path;
use std::sync::OnceLock;
use topoc::diag::Severity;
use topoc::kinds::ChVersion;
use topoc::pipeline::{Compiled, Options, compile};
use topoc::source::SourceFile;
use topoc::target::{ChOverrides, Target, TargetKind};

fn binary() -> &'static ch::ChBinary {
    static BIN: OnceLock<ch::ChBinary> = OnceLock::new();
    BIN.get_or_init(|| ch::cloud_hypervisor().unwrap_or_else(|e| panic!("{e}")))
}

fn host() -> &'static kit::Host {
    static HOST: OnceLock<kit::Host> = OnceLock::new();
    HOST.get_or_init(kit::Host::read)
}

fn overrides(fallback: bool) -> ChOverrides {
    ChOverrides {
        fallback,
        version: ChVersion::parse(&binary().version),
        ..ChOverrides::default()
    }
}

fn options(ch: ChOverrides) -> Options {
    Options {
        target: TargetKind::CloudHypervisor,
        ch,
        ..Options::default()
    }
}

/// topoc's verdict: the findings of `code`, with their severity.
fn verdict(text: &str, ch: ChOverrides, code: &str) -> Vec<Severity> {
    let diags = match compile(&SourceFile::new("rule.toml", text), &options(ch)) {
        Ok(c) => c.warnings,
        Err(d) => d,
    };
    diags
        .iter()
        .filter(|d| d.code.code == code)
        .map(|d| d.severity)
        .collect()
}

/// What topoc would emit without its check stage.
fn would_be(text: &str, ch: ChOverrides) -> Compiled {
    let source = SourceFile::new("rule.toml", text);
    let doc = topoc::parse::parse(&source).unwrap_or_else(|d| {
        panic!(
            "does not parse: {:?}",
            d.iter().map(|d| &d.message).collect::<Vec<_>>()
        )
    });
    let (topo, _) = topoc::model::lower::lower(&doc);
    let graph = topoc::model::graph::TopologyGraph::new(&topo);
    let target = Target::resolve_with(TargetKind::CloudHypervisor, &topo, &Default::default(), &ch);
    let derived = topoc::model::derive::derive(&topo, &graph);
    let layout = topoc::layout::Layout::build(&topo, &derived, &target);
    Compiled {
        source,
        topo,
        derived,
        target,
        layout,
        warnings: Vec::new(),
        acpi_oem_revision: 1,
    }
}

fn args(c: &Compiled) -> Vec<String> {
    topoc::emit::cloud_hypervisor::args(c)
}

fn accept(args: &[String]) -> Outcome {
    kit::accept(&binary().path, args)
}

/// The line with its devices as virtio-blk stand-ins.
fn stand_ins(args: &[String], name: &str) -> Vec<String> {
    kit::with_disks(args, &kit::scratch(&format!("ch-rules-{name}"))).0
}

fn refused(o: &Outcome, needle: &str) {
    assert!(
        o.says(needle),
        "expected a refusal saying {needle:?}, got {o:?}"
    );
}

fn accepted(o: &Outcome, line: &[String]) {
    assert_eq!(o, &Outcome::Accepted, "{}", line.join(" "));
}

/// Replaces the `--numa` value that starts with `guest_numa_id={id},`.
fn edit_numa(args: &mut [String], id: u32, f: impl Fn(&str) -> String) {
    let prefix = format!("guest_numa_id={id}");
    let v = args
        .iter_mut()
        .find(|a| a.split(',').next() == Some(prefix.as_str()))
        .unwrap_or_else(|| panic!("no --numa {prefix}"));
    *v = f(v);
}

fn example(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The SRAT's structures as (type, proximity domain, bytes).
fn srat_entries(srat: &[u8]) -> Vec<(u8, u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut off = 48;
    while off + 2 <= srat.len() {
        let (kind, len) = (srat[off], usize::from(srat[off + 1]).max(2));
        let e = &srat[off..(off + len).min(srat.len())];
        let pxm = match kind {
            1 => u32::from_le_bytes([e[2], e[3], e[4], e[5]]),
            2 | 5 => u32::from_le_bytes([e[4], e[5], e[6], e[7]]),
            _ => u32::MAX,
        };
        out.push((kind, pxm, e.to_vec()));
        off += len;
    }
    out
}

const TWO_NODES: &str = r#"topoc = 1
[machine]
name = "two"
cpus = { sockets = 2 }
[[node]]
id = 0
cpus = "0"
memory = { size = "1GiB" }
[[node]]
id = 1
cpus = "1"
memory = { size = "1GiB" }
[distances]
pair = [{ from = 0, to = 1, value = 21 }]
"#;

#[test]
fn t200_no_hmat_the_guest_gets_none() {
    let text = example("examples/two-socket.toml");
    assert_eq!(verdict(&text, overrides(false), "T200"), [Severity::Error]);
    assert_eq!(verdict(&text, overrides(true), "T200"), [Severity::Warning]);
    let line = args(&would_be(&text, overrides(false)));
    accepted(&accept(&line), &line);
    let seen = kit::boot(&binary().path, &line).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !seen.signatures().contains(&"HMAT"),
        "cloud-hypervisor built an HMAT: {:?}",
        seen.signatures()
    );
}

#[test]
fn t201_no_spm_the_memmap_knows_ram_and_reserved_only() {
    let text = example("tests/cases/T201-ch-no-spm.toml");
    assert_eq!(verdict(&text, overrides(false), "T201"), [Severity::Error]);
    assert_eq!(verdict(&text, overrides(true), "T201"), [Severity::Warning]);
    let line = args(&would_be(&text, overrides(true)));
    let seen = kit::boot(&binary().path, &line).unwrap_or_else(|e| panic!("{e}"));
    let types: std::collections::BTreeSet<u32> = seen.memmap.iter().map(|e| e.2).collect();
    assert_eq!(types, [1, 2].into(), "memmap {:x?}", seen.memmap);
}

#[test]
fn t202_gapped_ids_give_a_positional_slit_the_srat_contradicts() {
    let text = TWO_NODES
        .replace("id = 1\ncpus", "id = 2\ncpus")
        .replace("to = 1,", "to = 2,");
    assert_eq!(verdict(&text, overrides(false), "T202"), [Severity::Error]);
    let line = args(&would_be(&text, overrides(false)));
    accepted(&accept(&line), &line);
    let seen = kit::boot(&binary().path, &line).unwrap_or_else(|e| panic!("{e}"));
    let slit = seen.table("SLIT").unwrap_or_else(|| panic!("no SLIT"));
    let localities = u64::from_le_bytes(slit[36..44].try_into().unwrap_or_default());
    let pxms: std::collections::BTreeSet<u32> =
        srat_entries(seen.table("SRAT").unwrap_or_default())
            .iter()
            .map(|e| e.1)
            .collect();
    // Two rows for proximity domains 0 and 2: Linux reads row 1 as domain 1.
    assert_eq!(localities, 2);
    assert_eq!(pxms, [0, 2].into());
}

#[test]
fn t203_stand_ins_have_no_cloud_hypervisor_device() {
    let text = example("tests/cases/T203-ch-stand-in-device.toml");
    assert_eq!(verdict(&text, overrides(false), "T203"), [Severity::Error]);
    assert_eq!(verdict(&text, overrides(true), "T203"), [Severity::Warning]);
    let line = args(&would_be(&text, overrides(true)));
    assert!(!line.contains(&"--device".to_string()), "{line:?}");
    accepted(&accept(&line), &line);
    // --device is VFIO only: without a host path there is nothing to emulate.
    let mut bare = line.clone();
    bare.extend(["--device".to_string(), "id=gpu0".to_string()]);
    refused(
        &accept(&bare),
        "VFIO device config must specify `path=` or `fd=`",
    );
}

#[test]
fn t204_a_zone_binds_one_host_node() {
    let text = example("tests/cases/T204-ch-host-memory-policy.toml");
    assert_eq!(verdict(&text, overrides(false), "T204"), [Severity::Error]);
    let line = args(&would_be(&text, overrides(false)));
    let zone = line
        .iter()
        .find(|a| a.starts_with("id=") && a.contains("host_numa_node"))
        .unwrap_or_else(|| panic!("no host_numa_node in {line:?}"))
        .clone();
    // The one form cloud-hypervisor has takes one node; a list is refused.
    let mut listed = line.clone();
    let at = listed.iter().position(|a| *a == zone).unwrap_or_default();
    listed[at] = kit::split_top(&zone)
        .iter()
        .map(|kv| {
            if kv.starts_with("host_numa_node=") {
                "host_numa_node=[0,1]".to_string()
            } else {
                kv.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    refused(
        &accept(&listed),
        "unable to convert [0,1] for host_numa_node",
    );
}

#[test]
fn t205_a_generic_initiator_node_has_nothing_else() {
    let text = example("tests/cases/T205-ch-initiator-node-resources.toml");
    assert_eq!(verdict(&text, overrides(false), "T205"), [Severity::Error]);
    let c = would_be(&text, overrides(false));
    let mut line = args(&c);
    let Some((_, l)) = c.ch() else { unreachable!() };
    let node = l
        .nodes
        .iter()
        .find(|n| !c.topo.nodes[n.node].gi_devices.is_empty())
        .unwrap_or_else(|| panic!("no Generic Initiator node"));
    let dev = c.topo.devices[c.topo.nodes[node.node].gi_devices[0]]
        .name
        .value
        .clone();
    edit_numa(&mut line, node.guest_numa_id, |v| {
        format!("{v},device_id={dev}")
    });
    refused(
        &accept(&line),
        "device_id in numa config cannot be used with cpus or memory zones",
    );
}

#[test]
fn t206_a_node_holds_one_device_id() {
    let text = example("tests/cases/T206-ch-initiator-node-shared.toml");
    assert_eq!(verdict(&text, overrides(false), "T206"), [Severity::Error]);
    let c = would_be(&text, overrides(false));
    let Some((_, l)) = c.ch() else { unreachable!() };
    let node = l
        .nodes
        .iter()
        .find(|n| c.topo.nodes[n.node].gi_devices.len() > 1)
        .unwrap_or_else(|| panic!("no shared node"));
    let devs: Vec<(String, u8)> = c.topo.nodes[node.node]
        .gi_devices
        .iter()
        .map(|&d| {
            (
                c.topo.devices[d].name.value.clone(),
                l.slot(d).unwrap_or_else(|| panic!("no slot")),
            )
        })
        .collect();
    // Both devices named on the node: the option parser keeps the last.
    let mut line = stand_ins(&args(&c), "t206");
    edit_numa(&mut line, node.guest_numa_id, |v| {
        let rest: Vec<&str> = kit::split_top(v)
            .into_iter()
            .filter(|kv| !kv.starts_with("device_id="))
            .collect();
        format!(
            "{},{}",
            rest.join(","),
            devs.iter()
                .map(|(d, _)| format!("device_id={d}"))
                .collect::<Vec<_>>()
                .join(",")
        )
    });
    let seen = kit::boot(&binary().path, &line).unwrap_or_else(|e| panic!("{e}"));
    let gis: Vec<Vec<u8>> = srat_entries(seen.table("SRAT").unwrap_or_default())
        .into_iter()
        .filter(|e| e.0 == 5 && e.1 == node.guest_numa_id)
        .map(|e| e.2)
        .collect();
    assert_eq!(gis.len(), 1, "one Generic Initiator for the node");
    let last = devs.last().map_or(0, |d| d.1);
    assert_eq!(
        gis[0][12], last,
        "the handle names the last device_id's slot"
    );
}

#[test]
fn t207_an_empty_node_is_refused() {
    let text = example("tests/cases/T207-ch-empty-node.toml");
    assert_eq!(verdict(&text, overrides(false), "T207"), [Severity::Error]);
    let line = args(&would_be(&text, overrides(false)));
    refused(
        &accept(&line),
        "numa config must specify either device_id or cpus/memory_zones",
    );
}

#[test]
fn t208_at_most_two_threads_per_core() {
    for (file, code) in [
        (
            "tests/cases/T208-ch-threads-per-core.toml",
            Some(Severity::Error),
        ),
        ("tests/cases/T208-ch-threads-per-core.fixed.toml", None),
    ] {
        let text = example(file);
        let line = args(&would_be(&text, overrides(false)));
        let o = accept(&line);
        match code {
            Some(s) => {
                assert_eq!(verdict(&text, overrides(false), "T208"), [s]);
                refused(&o, "CPU topology supports at most 2 threads per core");
            }
            None => {
                assert!(verdict(&text, overrides(false), "T208").is_empty());
                accepted(&o, &line);
            }
        }
    }
}

#[test]
fn t209_vcpus_against_cloud_hypervisor_and_kvm() {
    let limit = host().kvm_max_vcpus;
    assert!(
        (1024..=4096).contains(&limit),
        "KVM_CAP_MAX_VCPUS {limit}: x86_64 kernels allow 1024 to 4096"
    );
    let machine = |sockets: u32, cores: u32| {
        format!(
            "topoc = 1\n[machine]\nname = \"many\"\ncpus = {{ sockets = {sockets}, cores = {cores} }}\n[[node]]\nid = 0\ncpus = \"0-{}\"\nmemory = {{ size = \"4GiB\" }}\n",
            sockets * cores - 1
        )
    };
    // More than cloud-hypervisor creates: refused in config validation.
    let text = machine(3, 4096);
    assert_eq!(verdict(&text, overrides(false), "T209"), [Severity::Error]);
    refused(
        &accept(&args(&would_be(&text, overrides(false)))),
        "Too many CPUs: specified 12288 but 8192 is the limit",
    );
    // More than any KVM: refused by the CPU manager with the host's limit.
    let text = machine(3, 2048);
    assert_eq!(verdict(&text, overrides(false), "T209"), [Severity::Error]);
    refused(
        &accept(&args(&would_be(&text, overrides(false)))),
        &format!("Maximum number of vCPUs 6144 exceeds host limit {limit}"),
    );
    // Past KVM's default: a warning; this host decides.
    let text = machine(2, 1024);
    assert_eq!(
        verdict(&text, overrides(false), "T209"),
        [Severity::Warning]
    );
    let line = args(&would_be(&text, overrides(false)));
    if limit < 2048 {
        refused(
            &accept(&line),
            &format!("Maximum number of vCPUs 2048 exceeds host limit {limit}"),
        );
    } else {
        accepted(&accept(&line), &line);
    }
    // What every KVM host creates: accepted.
    let text = machine(2, 512);
    assert!(verdict(&text, overrides(false), "T209").is_empty());
    let line = args(&would_be(&text, overrides(false)));
    accepted(&accept(&line), &line);
}

#[test]
fn t210_no_numa_policy_on_a_shared_file() {
    let text = example("tests/cases/T210-ch-shared-file-host-node.toml");
    assert_eq!(verdict(&text, overrides(false), "T210"), [Severity::Error]);
    let line = args(&would_be(&text, overrides(false)));
    let (line, files) = kit::with_files(&line, &kit::scratch("ch-rules-t210"));
    assert_eq!(files, 1);
    refused(
        &accept(&line),
        "Invalid to try applying a NUMA policy to a memory zone that is memory mapped with MAP_SHARED",
    );
}

#[test]
fn t211_the_default_hugepage_size_comes_from_the_host() {
    let text = example("tests/cases/T211-ch-unpinned-hugepage-size.toml");
    assert_eq!(
        verdict(&text, overrides(false), "T211"),
        [Severity::Warning]
    );
    let c = compile(
        &SourceFile::new("t211.toml", text.as_str()),
        &options(overrides(false)),
    )
    .unwrap_or_else(|_| panic!("a warning only"));
    let line = args(&c);
    let want = kit::expect(&c, &line, false, host(), &binary().path);
    let o = accept(&line);
    assert!(
        kit::matches(&o, &want),
        "{o:?}, expected {want:?} on this host"
    );
    if !host().hugetlbfs_mounted {
        refused(&o, "Failed to stat filesystem");
    }
}

#[test]
fn t212_slots_taken_twice_or_exhausted() {
    let text = example("tests/cases/T212-ch-pci-slot.toml");
    assert_eq!(verdict(&text, overrides(false), "T212"), [Severity::Error]);
    let line = stand_ins(&args(&would_be(&text, overrides(false))), "t212-twice");
    refused(
        &accept(&line),
        "Valid PCI device identifier but already used: 16",
    );

    let thirty = example("tests/cases/T212-ch-no-slot-left.toml");
    assert_eq!(
        verdict(&thirty, overrides(false), "T212"),
        [Severity::Error]
    );
    let line = stand_ins(&args(&would_be(&thirty, overrides(false))), "t212-thirty");
    refused(
        &accept(&line),
        "Could not find an available device slot on the PCI bus",
    );

    // Twenty-nine fit beside cloud-hypervisor's own console and rng.
    let cut = thirty
        .find("[[device]]\nname = \"nic29\"")
        .unwrap_or_else(|| panic!("no nic29"));
    let twenty_nine = &thirty[..cut];
    assert!(verdict(twenty_nine, overrides(false), "T212").is_empty());
    let line = stand_ins(&args(&would_be(twenty_nine, overrides(false))), "t212-29");
    accepted(&accept(&line), &line);
}

#[test]
fn t213_one_host_device_once() {
    let text = example("tests/cases/T213-ch-duplicate-device.toml");
    assert_eq!(verdict(&text, overrides(false), "T213"), [Severity::Error]);
    let line = args(&would_be(&text, overrides(false)));
    refused(
        &accept(&line),
        "Duplicated device path: /sys/bus/pci/devices/",
    );
}

#[test]
fn t214_memory_maps_cloud_hypervisor_cannot_build() {
    let text = example("tests/cases/T214-ch-no-memory.toml");
    assert_eq!(verdict(&text, overrides(false), "T214"), [Severity::Error]);
    refused(
        &accept(&args(&would_be(&text, overrides(false)))),
        "No memory zones found",
    );
    // A first zone of 1 MiB: the VM is built, the kernel load then fails.
    let text = example("tests/cases/T214-ch-first-mib.toml");
    assert_eq!(verdict(&text, overrides(false), "T214"), [Severity::Error]);
    let line = args(&would_be(&text, overrides(false)));
    accepted(&accept(&line), &line);
    let err = kit::boot(&binary().path, &line).expect_err("the probe cannot boot in 1 MiB");
    assert!(err.contains("Cannot load the kernel into memory"), "{err}");
}

#[test]
fn t215_address_space_and_memory_slots() {
    let text = example("tests/cases/T215-ch-address-space.toml");
    assert_eq!(
        verdict(&text, overrides(false), "T215"),
        [Severity::Error, Severity::Error]
    );
    // No device area left: v53.0 panics before it maps the memory.
    let o = accept(&args(&would_be(&text, overrides(false))));
    assert!(
        matches!(&o, Outcome::Panicked(p) if p.contains("vmm/src/device_manager.rs")),
        "{o:?}"
    );
    // One region of 9 TiB: KVM refuses the memory slot.
    let text = example("tests/cases/T215-ch-memory-slot.toml");
    assert_eq!(verdict(&text, overrides(false), "T215"), [Severity::Error]);
    let o = accept(&args(&would_be(&text, overrides(false))));
    refused(&o, "Failed to create user memory");
    refused(&o, "Invalid argument (os error 22)");
}

#[test]
fn t216_payloads() {
    let base = args(&would_be(TWO_NODES, overrides(false)));
    let run = |extra: &[&str]| {
        let mut a: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        a.extend(base.iter().cloned());
        kit::run_limited(&binary().path, &a, std::time::Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("start: {e}"))
            .1
    };
    let text = example("tests/cases/T216-ch-payload.toml");
    assert!(!verdict(&text, overrides(false), "T216").is_empty());
    let out = run(&["--kernel", "/nonexistent", "--firmware", "/nonexistent"]);
    assert!(
        out.contains("Specifying a kernel is not supported when a firmware is provided"),
        "{out}"
    );
    let out = run(&["--firmware", "/nonexistent", "--cmdline", "console=ttyS0"]);
    assert!(
        out.contains("Ignoring cmdline parameter as firmware is provided as the payload"),
        "{out}"
    );
    let text = example("tests/cases/T216-ch-cmdline-without-kernel.toml");
    assert_eq!(
        verdict(
            &text,
            ChOverrides {
                cmdline: Some("console=ttyS0".into()),
                ..overrides(false)
            },
            "T216"
        ),
        [Severity::Error]
    );
    let out = run(&["--cmdline", "console=ttyS0"]);
    assert!(
        out.contains("the following required arguments were not provided"),
        "{out}"
    );
}

#[test]
fn t217_execve_takes_the_line_or_not() {
    let text = example("tests/cases/T217-ch-command-line-too-long.toml");
    assert_eq!(
        verdict(&text, overrides(false), "T217"),
        [Severity::Warning]
    );
    let c = compile(
        &SourceFile::new("t217.toml", text.as_str()),
        &options(overrides(false)),
    )
    .unwrap_or_else(|_| panic!("a warning only"));
    let line = args(&c);
    let want = kit::expect(&c, &line, false, host(), &binary().path);
    let o = accept(&line);
    assert!(
        kit::matches(&o, &want),
        "{o:?}, expected {want:?} on this host"
    );
    // With a quarter of the default 8 MiB stack limit, the exec fails.
    if host().arg_limit <= 2 << 20 {
        assert!(
            matches!(&o, Outcome::Unstartable(e) if e.contains("Argument list too long")),
            "{o:?}"
        );
    }
}

#[test]
fn t020_a_vcpu_in_two_nodes_gets_two_srat_entries() {
    let text = example("tests/cases/T020-ch-cpu-in-two-nodes.toml");
    assert_eq!(verdict(&text, overrides(false), "T020"), [Severity::Error]);
    let line = args(&would_be(&text, overrides(false)));
    accepted(&accept(&line), &line);
    let seen = kit::boot(&binary().path, &line).unwrap_or_else(|e| panic!("{e}"));
    let cpu1: Vec<u32> = srat_entries(seen.table("SRAT").unwrap_or_default())
        .iter()
        .filter(|e| e.0 == 2 && u32::from_le_bytes([e.2[8], e.2[9], e.2[10], e.2[11]]) == 1)
        .map(|e| e.1)
        .collect();
    assert_eq!(cpu1, [0, 1], "x2APIC 1 in both proximity domains");
}

#[test]
fn t031_zone_sizes_are_whole_pages() {
    let text = example("tests/cases/T031-ch-hugepage-multiple.toml");
    assert_eq!(verdict(&text, overrides(false), "T031"), [Severity::Error]);
    refused(
        &accept(&args(&would_be(&text, overrides(false)))),
        "Memory size is misaligned with default page size or its hugepage size",
    );
    let text = TWO_NODES.replacen("size = \"1GiB\"", "size = \"1073742336B\"", 1);
    assert_eq!(verdict(&text, overrides(false), "T031"), [Severity::Error]);
    refused(
        &accept(&args(&would_be(&text, overrides(false)))),
        "Memory size is misaligned with default page size or its hugepage size",
    );
}

#[test]
fn t051_distances_cloud_hypervisor_takes_but_linux_would_not() {
    // 255 and 10: accepted and written as they are. 255 is the SLIT's
    // "unreachable", which Linux takes too; 10 makes Linux drop the SLIT.
    for value in [255u8, 10] {
        let text = TWO_NODES.replace("value = 21", &format!("value = {value}"));
        let want: &[Severity] = if value == 10 { &[Severity::Error] } else { &[] };
        assert_eq!(verdict(&text, overrides(false), "T051"), want);
        let line = args(&would_be(&text, overrides(false)));
        accepted(&accept(&line), &line);
        let seen = kit::boot(&binary().path, &line).unwrap_or_else(|e| panic!("{e}"));
        let slit = seen.table("SLIT").unwrap_or_else(|| panic!("no SLIT"));
        assert_eq!(&slit[44..48], &[10, value, value, 10]);
    }
    // Above 255 cloud-hypervisor truncates (`as u8`): 300 becomes 44.
    let mut line = args(&would_be(TWO_NODES, overrides(false)));
    edit_numa(&mut line, 0, |v| {
        v.replace("distances=[1@21]", "distances=[1@300]")
    });
    let seen = kit::boot(&binary().path, &line).unwrap_or_else(|e| panic!("{e}"));
    let slit = seen.table("SLIT").unwrap_or_else(|| panic!("no SLIT"));
    assert_eq!(&slit[44..48], &[10, 44, 44, 10]);
}

/// Two nodes and a GPU behind node 1's host bridge, initiating through a
/// Generic Initiator node of its own.
const GI_ON_SEGMENT: &str = r#"topoc = 1
[machine]
name = "segment"
[machine.cpus]
sockets = 2
cores = 1
[[node]]
id = 0
name = "s0"
cpus = "0"
memory = { size = "128MiB" }
[[node]]
id = 1
name = "s1"
cpus = "1"
memory = { size = "128MiB" }
[[node]]
id = 2
name = "gpu0-gi"
[[device]]
name = "gpu0"
host = "0000:41:00.0"
numa-node = "s1"
initiator-nodes = ["gpu0-gi"]
"#;

#[test]
fn t218_one_pci_segment_per_node_with_devices() {
    let text = example("tests/cases/T218-ch-device-numa-node.toml");
    assert_eq!(verdict(&text, overrides(false), "T218"), [Severity::Error]);
    let line = stand_ins(&args(&would_be(&text, overrides(false))), "t218-97");
    refused(
        &accept(&line),
        "Number of PCI segments (97) not in range of 1 to 96",
    );
    let fixed = example("tests/cases/T218-ch-device-numa-node.fixed.toml");
    assert!(verdict(&fixed, overrides(false), "T218").is_empty());
    let line = stand_ins(&args(&would_be(&fixed, overrides(false))), "t218-96");
    accepted(&accept(&line), &line);

    // The device's segment reaches the guest: its Generic Initiator
    // structure names segment 1, as topoc's SRAT does.
    let c = would_be(GI_ON_SEGMENT, overrides(false));
    let line = stand_ins(&args(&c), "t218-gi");
    assert!(line.iter().any(|a| a == "num_pci_segments=2"), "{line:?}");
    let seen = kit::boot(&binary().path, &line).unwrap_or_else(|e| panic!("{e}"));
    let guest = seen.table("SRAT").unwrap_or_else(|| panic!("no SRAT"));
    let ours = topoc::emit::lookup("srat")
        .and_then(|a| a.render(&c))
        .unwrap_or_else(|| panic!("no SRAT from topoc"));
    assert_eq!(
        srat_entries(guest),
        srat_entries(&ours),
        "the guest's SRAT and topoc's"
    );
    let gi: Vec<Vec<u8>> = srat_entries(guest)
        .into_iter()
        .filter(|e| e.0 == 5)
        .map(|e| e.2)
        .collect();
    assert_eq!(gi.len(), 1);
    assert_eq!(
        u16::from_le_bytes([gi[0][8], gi[0][9]]),
        1,
        "the handle's segment"
    );
}
