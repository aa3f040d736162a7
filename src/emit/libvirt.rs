//! The libvirt target: a domain XML (whole, or the fragments a user pastes
//! into a domain of their own) and the QEMU command line libvirt makes of it.
//!
//! The XML says only what libvirt carries into QEMU as measured with libvirt
//! 11.3 (`../shared/reference/libvirt.md` §5): cells in KiB, the full
//! distance matrix, `<interconnects>` in the order the argv should have,
//! bandwidths in KiB/s, and `<cache>` sizes in KiB and lines in bytes, the
//! units 11.3 reads whatever `unit=` says (so the XML means the same to every
//! release). What the XML cannot carry was put into the plan's passthrough
//! lists by the layout; it goes into `<qemu:commandline>`.
//!
//! The predicted argv is `virsh domxml-to-native qemu-argv` of that XML on an
//! embedded driver (`qemu:///embed?root=$ROOT`), one argument per line,
//! without the environment assignments before the binary, with the root
//! written `$ROOT`.

use crate::kinds::{Associativity, LibvirtDomainType, LibvirtVersion, QemuMachine, WritePolicy};
use crate::layout::libvirt::{Lb, Plan, kib_per_s};
use crate::layout::qemu::QemuLayout;
use crate::model::{DataType, DeviceSource, Topology};
use crate::pipeline::Compiled;
use crate::target::LibvirtProfile;
use crate::units::{KIB, fmt_cpulist, fmt_qemu_size, ranges};
use std::fmt::Write as _;

/// The emulator libvirt is told to start.
pub const EMULATOR: &str = "/usr/bin/qemu-system-x86_64";
/// The embedded driver's root in the predicted argv.
pub const ROOT: &str = "$ROOT";
const QEMU_NS: &str = "http://libvirt.org/schemas/domain/qemu/1.0";

struct Parts<'a> {
    t: &'a Topology,
    p: &'a LibvirtProfile,
    l: &'a QemuLayout,
    plan: &'a Plan,
    slit: Option<&'a crate::model::derive::Slit>,
}

fn parts(c: &Compiled) -> Option<Parts<'_>> {
    let (p, plan) = c.libvirt()?;
    let (_, l, _) = c.qemu()?;
    Some(Parts {
        t: &c.topo,
        p,
        l,
        plan,
        slit: c.derived.slit.as_ref(),
    })
}

/// The domain's name: the machine's.
fn name(t: &Topology) -> &str {
    &t.machine.name.value
}

/// The name libvirt gives the domain's directories: the first 20
/// characters of its name (`virDomainDefGetShortName`,
/// `VIR_DOMAIN_SHORT_NAME_MAX`; found by the oracle's random machines).
pub fn short_name(name: &str) -> String {
    name.chars().take(20).collect()
}

/// A stable UUID from the machine name (FNV-1a, version 4 and RFC 4122
/// variant bits), so that libvirt invents none and the argv is the same
/// every run.
pub fn uuid(name: &str) -> String {
    let fnv = |seed: u64| {
        name.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let a = fnv(0xcbf2_9ce4_8422_2325);
    let b = fnv(a ^ 0x9e37_79b9_7f4a_7c15);
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

fn machine_type(p: &LibvirtProfile) -> String {
    let v = p.qemu.version.value.as_str();
    match p.qemu.machine.value {
        QemuMachine::Q35 => format!("pc-q35-{v}"),
        QemuMachine::Pc => format!("pc-i440fx-{v}"),
        // Refused before it gets here (T091): the libvirt target is x86_64.
        QemuMachine::Virt => format!("virt-{v}"),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

fn libvirt_type(d: DataType) -> &'static str {
    match d {
        DataType::AccessLatency | DataType::AccessBandwidth => "access",
        DataType::ReadLatency | DataType::ReadBandwidth => "read",
        DataType::WriteLatency | DataType::WriteBandwidth => "write",
    }
}

fn libvirt_associativity(a: Associativity) -> &'static str {
    match a {
        Associativity::None => "none",
        Associativity::Direct => "direct",
        Associativity::Complex => "full",
    }
}

fn libvirt_policy(p: WritePolicy) -> &'static str {
    match p {
        WritePolicy::None => "none",
        WritePolicy::WriteBack => "writeback",
        WritePolicy::WriteThrough => "writethrough",
    }
}

fn total_memory(x: &Parts) -> u64 {
    x.plan
        .cells
        .iter()
        .map(|&c| x.t.nodes[c].memory_size())
        .sum()
}

fn max_cpus(t: &Topology) -> u64 {
    t.machine.topology.max_cpus()
}

/// The kernel command line: the file's, then the `memmap=` SPM needs.
fn cmdline(x: &Parts) -> Option<String> {
    let mut words: Vec<String> = x.p.cmdline.iter().map(|c| c.value.clone()).collect();
    words.extend(x.l.kernel_args.iter().cloned());
    let s = words.join(" ");
    (!s.is_empty()).then_some(s)
}

// ------------------------------------------------------------------ XML

fn vcpu_xml(x: &Parts, out: &mut String, indent: &str) {
    let boot = u64::from(x.t.machine.boot_cpus.value);
    let max = max_cpus(x.t);
    if boot < max {
        let _ = writeln!(
            out,
            "{indent}<vcpu placement='static' current='{boot}'>{max}</vcpu>"
        );
    } else {
        let _ = writeln!(out, "{indent}<vcpu placement='static'>{max}</vcpu>");
    }
}

/// libvirt's `<memnode mode>` for a host binding it can express, with
/// QEMU's policy word: strict is `bind`.
pub fn host_binding(m: &crate::model::Memory) -> Option<(&'static str, &'static str)> {
    use crate::kinds::HostPolicy;
    if m.backend.host_nodes.is_empty() {
        return None;
    }
    match m.backend.policy? {
        HostPolicy::Bind => Some(("strict", "bind")),
        HostPolicy::Preferred => Some(("preferred", "preferred")),
        HostPolicy::Interleave => Some(("interleave", "interleave")),
        HostPolicy::Default => None,
    }
}

/// The host binding in a backend's JSON, as libvirt appends it.
fn host_json(m: &crate::model::Memory) -> String {
    let Some((_, policy)) = host_binding(m) else {
        return String::new();
    };
    let nodes: Vec<String> = m.backend.host_nodes.iter().map(u32::to_string).collect();
    format!(
        ",\"host-nodes\":[{}],\"policy\":\"{policy}\"",
        nodes.join(",")
    )
}

/// `<numatune>` with one `<memnode>` per cell bound to host nodes.
fn numatune_xml(x: &Parts, out: &mut String, indent: &str) {
    let bound: Vec<(usize, String, &str)> = x
        .plan
        .cells
        .iter()
        .enumerate()
        .filter_map(|(k, &c)| {
            let m = x.t.nodes[c].memory.as_ref()?;
            let (mode, _) = host_binding(m)?;
            Some((k, fmt_cpulist(&m.backend.host_nodes), mode))
        })
        .collect();
    if bound.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}<numatune>");
    for (k, nodeset, mode) in bound {
        let _ = writeln!(
            out,
            "{indent}  <memnode cellid='{k}' mode='{mode}' nodeset='{nodeset}'/>"
        );
    }
    let _ = writeln!(out, "{indent}</numatune>");
}

fn cpu_xml(x: &Parts, out: &mut String, indent: &str) {
    let t = x.t;
    let topo = &t.machine.topology;
    let _ = writeln!(
        out,
        "{indent}<cpu mode='custom' match='exact' check='none'>"
    );
    let _ = writeln!(
        out,
        "{indent}  <model fallback='forbid'>{}</model>",
        xml_escape(&x.p.qemu.cpu_model.value)
    );
    let _ = writeln!(
        out,
        "{indent}  <topology sockets='{}' dies='{}' clusters='1' cores='{}' threads='{}'/>",
        topo.sockets.value, topo.dies.value, topo.cores.value, topo.threads.value
    );
    let _ = writeln!(out, "{indent}  <numa>");
    for (k, &c) in x.plan.cells.iter().enumerate() {
        let n = &t.nodes[c];
        let mut open = format!("{indent}    <cell id='{k}'");
        if n.has_cpus() {
            let _ = write!(open, " cpus='{}'", fmt_cpulist(&n.cpus));
        }
        let _ = write!(open, " memory='{}' unit='KiB'", n.memory_size() / KIB);
        let caches = n.memory.as_ref().map_or(&[][..], |m| &m.caches[..]);
        if x.slit.is_none() && caches.is_empty() {
            let _ = writeln!(out, "{open}/>");
            continue;
        }
        let _ = writeln!(out, "{open}>");
        if let Some(slit) = x.slit {
            let _ = writeln!(out, "{indent}      <distances>");
            for (j, &d) in x.plan.cells.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{indent}        <sibling id='{j}' value='{}'/>",
                    slit.matrix[c][d]
                );
            }
            let _ = writeln!(out, "{indent}      </distances>");
        }
        for cache in caches {
            let _ = writeln!(
                out,
                "{indent}      <cache level='{}' associativity='{}' policy='{}'>",
                cache.level.value,
                libvirt_associativity(cache.associativity),
                libvirt_policy(cache.policy)
            );
            // KiB and bytes: the units libvirt 11.3 reads whatever unit= says.
            let _ = writeln!(
                out,
                "{indent}        <size value='{}' unit='KiB'/>",
                cache.size.value / KIB
            );
            let _ = writeln!(
                out,
                "{indent}        <line value='{}' unit='B'/>",
                cache.line
            );
            let _ = writeln!(out, "{indent}      </cache>");
        }
        let _ = writeln!(out, "{indent}    </cell>");
    }
    if !x.plan.interconnects.is_empty() {
        let _ = writeln!(out, "{indent}    <interconnects>");
        for lb in &x.plan.interconnects {
            let (i, m) = (
                x.t.nodes[lb.initiator].id.value,
                x.t.nodes[lb.target].id.value,
            );
            let ty = libvirt_type(lb.data_type);
            if lb.data_type.is_latency() {
                let _ = writeln!(
                    out,
                    "{indent}      <latency initiator='{i}' target='{m}' type='{ty}' value='{}'/>",
                    lb.value / 1000
                );
            } else {
                let _ = writeln!(
                    out,
                    "{indent}      <bandwidth initiator='{i}' target='{m}' type='{ty}' value='{}' unit='KiB'/>",
                    lb.value / KIB
                );
            }
        }
        let _ = writeln!(out, "{indent}    </interconnects>");
    }
    let _ = writeln!(out, "{indent}  </numa>");
    let _ = writeln!(out, "{indent}</cpu>");
}

fn commandline_xml(x: &Parts, out: &mut String, indent: &str) {
    let args = passthrough_args(x);
    if args.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}<qemu:commandline>");
    for a in args {
        let _ = writeln!(out, "{indent}  <qemu:arg value='{}'/>", xml_escape(&a));
    }
    let _ = writeln!(out, "{indent}</qemu:commandline>");
}

/// The whole `<domain>`.
pub fn domain_xml(c: &Compiled) -> Option<String> {
    let x = parts(c)?;
    let t = x.t;
    let mut s = String::new();
    let ty = match x.p.domain_type.value {
        LibvirtDomainType::Qemu => "qemu",
        LibvirtDomainType::Kvm => "kvm",
    };
    let ns = if passthrough_args(&x).is_empty() {
        String::new()
    } else {
        format!(" xmlns:qemu='{QEMU_NS}'")
    };
    let _ = writeln!(
        s,
        "<!-- {} for libvirt {}, compiled by topoc -->",
        xml_escape(name(t)),
        x.p.version.value
    );
    let _ = writeln!(s, "<domain type='{ty}'{ns}>");
    let _ = writeln!(s, "  <name>{}</name>", xml_escape(name(t)));
    let _ = writeln!(s, "  <uuid>{}</uuid>", uuid(name(t)));
    let _ = writeln!(
        s,
        "  <memory unit='KiB'>{}</memory>",
        total_memory(&x) / KIB
    );
    vcpu_xml(&x, &mut s, "  ");
    numatune_xml(&x, &mut s, "  ");
    let _ = writeln!(s, "  <os>");
    let _ = writeln!(
        s,
        "    <type arch='x86_64' machine='{}'>hvm</type>",
        machine_type(x.p)
    );
    if let Some(k) = &x.p.kernel {
        let _ = writeln!(s, "    <kernel>{}</kernel>", xml_escape(&k.value));
        if let Some(i) = &x.p.initrd {
            let _ = writeln!(s, "    <initrd>{}</initrd>", xml_escape(&i.value));
        }
        if let Some(cl) = cmdline(&x) {
            let _ = writeln!(s, "    <cmdline>{}</cmdline>", xml_escape(&cl));
        }
    }
    let _ = writeln!(s, "  </os>");
    let _ = writeln!(s, "  <features>");
    let _ = writeln!(s, "    <acpi/>");
    let _ = writeln!(s, "  </features>");
    cpu_xml(&x, &mut s, "  ");
    let _ = writeln!(s, "  <on_poweroff>destroy</on_poweroff>");
    let _ = writeln!(s, "  <on_reboot>destroy</on_reboot>");
    let _ = writeln!(s, "  <on_crash>destroy</on_crash>");
    let _ = writeln!(s, "  <devices>");
    let _ = writeln!(s, "    <emulator>{EMULATOR}</emulator>");
    let _ = writeln!(s, "    <controller type='usb' model='none'/>");
    if let Some(con) = &x.p.console {
        let _ = writeln!(s, "    <serial type='file'>");
        let _ = writeln!(s, "      <source path='{}'/>", xml_escape(&con.value));
        let _ = writeln!(s, "      <target port='0'/>");
        let _ = writeln!(s, "    </serial>");
    }
    let _ = writeln!(s, "    <memballoon model='none'/>");
    let _ = writeln!(s, "  </devices>");
    commandline_xml(&x, &mut s, "  ");
    let _ = writeln!(s, "</domain>");
    Some(s)
}

/// Only what the topology decides, to paste into an existing domain.
pub fn fragments_xml(c: &Compiled) -> Option<String> {
    let x = parts(c)?;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!-- The topology of {} for libvirt {}: paste each element into <domain>, replacing its own. -->",
        xml_escape(name(x.t)),
        x.p.version.value
    );
    let _ = writeln!(
        s,
        "<!-- <memory> must be {} KiB, the sum of the cells; <os><type machine='{}'>. -->",
        total_memory(&x) / KIB,
        machine_type(x.p)
    );
    vcpu_xml(&x, &mut s, "");
    numatune_xml(&x, &mut s, "");
    let _ = writeln!(s, "<features>");
    let _ = writeln!(s, "  <acpi/>");
    let _ = writeln!(s, "</features>");
    cpu_xml(&x, &mut s, "");
    if let Some(cl) = cmdline(&x).filter(|_| !x.l.kernel_args.is_empty()) {
        let _ = writeln!(
            s,
            "<!-- Specific Purpose Memory: add to <os><cmdline>: {} -->",
            xml_escape(&cl)
        );
    }
    if !passthrough_args(&x).is_empty() {
        let _ = writeln!(s, "<!-- needs xmlns:qemu='{QEMU_NS}' on <domain> -->");
        commandline_xml(&x, &mut s, "");
    }
    Some(s)
}

// ------------------------------------------------------------------ argv

fn lb_arg(t: &Topology, lb: &Lb, libvirt_units: bool) -> String {
    let value = if lb.data_type.is_latency() {
        format!("latency={}", lb.value / 1000)
    } else if libvirt_units {
        format!("bandwidth={}K", kib_per_s(lb.value))
    } else {
        format!("bandwidth={}", fmt_qemu_size(lb.value))
    };
    format!(
        "hmat-lb,initiator={},target={},hierarchy=memory,data-type={},{value}",
        t.nodes[lb.initiator].id.value,
        t.nodes[lb.target].id.value,
        lb.data_type.qemu_name()
    )
}

/// What goes through `<qemu:commandline>`: the nodes libvirt does not
/// carry, their distances, the devices and their Generic Initiators, and
/// the HMAT values from initiators without CPUs (the form booted with
/// libvirt 11.3, reference §6).
fn passthrough_args(x: &Parts) -> Vec<String> {
    let t = x.t;
    let mut a = Vec::new();
    for &n in &x.plan.passthrough_nodes {
        a.push("-numa".to_string());
        a.push(format!("node,nodeid={}", t.nodes[n].id.value));
    }
    if let Some(slit) = x.slit.filter(|_| x.plan.distances) {
        let symmetric = slit.is_symmetric();
        let n = t.nodes.len();
        for i in 0..n {
            for j in 0..n {
                let through = !x.plan.cell_distances
                    || x.plan.passthrough_nodes.contains(&i)
                    || x.plan.passthrough_nodes.contains(&j);
                if i == j || !through || (symmetric && j < i) {
                    continue;
                }
                a.push("-numa".to_string());
                a.push(format!(
                    "dist,src={},dst={},val={}",
                    t.nodes[i].id.value, t.nodes[j].id.value, slit.matrix[i][j]
                ));
            }
        }
    }
    let bus = match x.p.qemu.machine.value {
        QemuMachine::Q35 | QemuMachine::Virt => "pcie.0",
        QemuMachine::Pc => "pci.0",
    };
    for pl in &x.l.pci {
        let d = &t.devices[pl.device];
        let addr = format!("bus={bus},addr={:#x}", pl.slot);
        a.push("-device".to_string());
        a.push(match &d.source.value {
            DeviceSource::Host(h) => format!("vfio-pci,host={h},id={},{addr}", d.name.value),
            DeviceSource::Emulated(model) => format!("{model},id={},{addr}", d.name.value),
        });
    }
    for d in &t.devices {
        for n in &d.gi_nodes {
            let id = t.nodes[n.value].id.value;
            a.push("-object".to_string());
            a.push(format!(
                "acpi-generic-initiator,id={},pci-dev={},node={id}",
                crate::layout::qemu::generic_initiator_id(&d.name.value, id),
                d.name.value
            ));
        }
    }
    for lb in &x.plan.passthrough_lb {
        a.push("-numa".to_string());
        a.push(lb_arg(t, lb, false));
    }
    a
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn push(a: &mut Vec<String>, flag: &str, val: String) {
    a.push(flag.to_string());
    a.push(val);
}

/// The argv libvirt generates, one element per argument.
pub fn argv(c: &Compiled) -> Vec<String> {
    let Some(x) = parts(c) else {
        return Vec::new();
    };
    let t = x.t;
    let dir = format!("{ROOT}/lib/qemu/domain--1-{}", short_name(name(t)));
    let mut a: Vec<String> = vec![EMULATOR.to_string()];
    push(
        &mut a,
        "-name",
        format!("guest={},debug-threads=on", name(t)),
    );
    a.push("-S".to_string());
    push(
        &mut a,
        "-object",
        format!(
            "{{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\",\"file\":{}}}",
            json_str(&format!("{dir}/master-key.aes"))
        ),
    );
    let hmat = if x.plan.interconnects.is_empty() {
        ""
    } else {
        ",hmat=on"
    };
    push(
        &mut a,
        "-machine",
        format!(
            "{},usb=off,dump-guest-core=off{hmat},acpi=on",
            machine_type(x.p)
        ),
    );
    push(
        &mut a,
        "-accel",
        match x.p.domain_type.value {
            LibvirtDomainType::Qemu => "tcg",
            LibvirtDomainType::Kvm => "kvm",
        }
        .to_string(),
    );
    push(&mut a, "-cpu", x.p.qemu.cpu_model.value.clone());
    push(&mut a, "-m", format!("size={}k", total_memory(&x) / KIB));
    push(&mut a, "-overcommit", "mem-lock=off".to_string());
    let topo = &t.machine.topology;
    let boot = u64::from(t.machine.boot_cpus.value);
    let max = max_cpus(t);
    let mut smp = boot.to_string();
    if boot < max {
        let _ = write!(smp, ",maxcpus={max}");
    }
    let _ = write!(
        smp,
        ",sockets={},dies={},clusters=1,cores={},threads={}",
        topo.sockets.value, topo.dies.value, topo.cores.value, topo.threads.value
    );
    push(&mut a, "-smp", smp);
    for (k, &c) in x.plan.cells.iter().enumerate() {
        let n = &t.nodes[c];
        // A memory-less cell: 11.3 writes a backend of size 0, which QEMU
        // refuses (T144 stops that); from 11.8 none, the node being QEMU's
        // memory-less form (inferred from the fix, not run here).
        let backend = n.has_memory() || x.p.version.value < LibvirtVersion::V11_8;
        if backend {
            push(
                &mut a,
                "-object",
                format!(
                    "{{\"qom-type\":\"memory-backend-ram\",\"id\":\"ram-node{k}\",\"size\":{}{}}}",
                    n.memory_size(),
                    n.memory.as_ref().map_or(String::new(), host_json)
                ),
            );
        }
        let mut s = format!("node,nodeid={k}");
        for (lo, hi) in ranges(&n.cpus) {
            if lo == hi {
                let _ = write!(s, ",cpus={lo}");
            } else {
                let _ = write!(s, ",cpus={lo}-{hi}");
            }
        }
        if let Some(i) = x.plan.initiators[c] {
            let _ = write!(s, ",initiator={}", t.nodes[i].id.value);
        }
        if backend {
            let _ = write!(s, ",memdev=ram-node{k}");
        }
        push(&mut a, "-numa", s);
    }
    if let Some(slit) = x.slit.filter(|_| x.plan.cell_distances) {
        for &i in &x.plan.cells {
            for &j in &x.plan.cells {
                push(
                    &mut a,
                    "-numa",
                    format!(
                        "dist,src={},dst={},val={}",
                        t.nodes[i].id.value, t.nodes[j].id.value, slit.matrix[i][j]
                    ),
                );
            }
        }
    }
    for lb in &x.plan.interconnects {
        push(&mut a, "-numa", lb_arg(t, lb, true));
    }
    if !x.plan.interconnects.is_empty() {
        for &c in &x.plan.cells {
            let n = &t.nodes[c];
            let Some(m) = &n.memory else { continue };
            for cache in &m.caches {
                push(
                    &mut a,
                    "-numa",
                    format!(
                        "hmat-cache,node-id={},size={}K,level={},associativity={},policy={},line={}",
                        n.id.value,
                        cache.size.value / KIB,
                        cache.level.value,
                        cache.associativity,
                        cache.policy,
                        cache.line
                    ),
                );
            }
        }
    }
    push(&mut a, "-uuid", uuid(name(t)));
    push(&mut a, "-display", "none".to_string());
    a.push("-no-user-config".to_string());
    a.push("-nodefaults".to_string());
    push(
        &mut a,
        "-chardev",
        format!("socket,id=charmonitor,path={dir}/monitor.sock,server=on,wait=off"),
    );
    push(
        &mut a,
        "-mon",
        "chardev=charmonitor,id=monitor,mode=control".to_string(),
    );
    push(&mut a, "-rtc", "base=utc".to_string());
    a.push("-no-shutdown".to_string());
    push(&mut a, "-boot", "strict=on".to_string());
    if let Some(k) = &x.p.kernel {
        push(&mut a, "-kernel", k.value.clone());
        if let Some(i) = &x.p.initrd {
            push(&mut a, "-initrd", i.value.clone());
        }
        if let Some(cl) = cmdline(&x) {
            push(&mut a, "-append", cl);
        }
    }
    if let Some(con) = &x.p.console {
        push(
            &mut a,
            "-chardev",
            // libvirt doubles the commas of a path inside an option, as
            // QEMU's option syntax needs (`virQEMUBuildBufferEscapeComma`).
            format!(
                "file,id=charserial0,path={}",
                crate::emit::qemu::qemu_value(&con.value)
            ),
        );
        push(&mut a,
            "-device",
            "{\"driver\":\"isa-serial\",\"chardev\":\"charserial0\",\"id\":\"serial0\",\"index\":0}"
                .to_string(),
        );
    }
    push(
        &mut a,
        "-audiodev",
        "{\"id\":\"audio1\",\"driver\":\"none\"}".to_string(),
    );
    // q35's ICH9 LPC has the TCO watchdog; pc has neither (measured).
    if x.p.qemu.machine.value == QemuMachine::Q35 {
        push(&mut a, "-global", "ICH9-LPC.noreboot=off".to_string());
        push(&mut a, "-watchdog-action", "reset".to_string());
    }
    a.extend(passthrough_args(&x));
    a.push("-sandbox".to_string());
    a.push("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny".to_string());
    a.push("-msg".to_string());
    a.push("timestamp=on".to_string());
    a
}

/// The predicted argv, one argument per line.
pub fn argv_file(c: &Compiled) -> String {
    let mut s = argv(c).join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_is_stable_and_well_formed() {
        let u = uuid("topoc-numa3");
        assert_eq!(u, uuid("topoc-numa3"));
        assert_ne!(u, uuid("topoc-numa4"));
        let parts: Vec<&str> = u.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!("89ab".contains(&parts[3][..1]));
    }

    #[test]
    fn escapes() {
        assert_eq!(xml_escape("a<b>&'\""), "a&lt;b&gt;&amp;&apos;&quot;");
    }
}
