//! Stage 1, `parse`: TOML text → spanned syntax tree ([`syntax::Document`]).
//!
//! The stage checks the *shape* of the file against the language spec
//! ([`spec`]): TOML syntax (T001), unknown keys (T002), value types (T003),
//! values and units (T004), required keys (T005) and the language version
//! (T006), and the lint levels of `[lints]` (T007-T009). It reports every
//! such problem in one pass.
//!
//! **Architecture invariant:** this is the only module that knows TOML. Its
//! output carries spans but no TOML types, and names are not resolved yet.

pub mod reader;
pub mod schema;
pub mod spec;
pub mod syntax;

use crate::diag::{Diagnostic, codes};
use crate::source::{SourceFile, Sp};
use reader::{Reader, Table};
use syntax::*;
use toml::de::DeTable;

/// Parses a topology file. On any error returns every diagnostic found.
pub fn parse(source: &SourceFile) -> Result<Document, Vec<Diagnostic>> {
    match parse_partial(source) {
        (Some(d), diags) if diags.is_empty() => Ok(d),
        (_, diags) => Err(diags),
    }
}

/// [`parse`], keeping what could be read when a value could not: the
/// document without the values that failed (when the file is valid TOML),
/// and the findings. The pipeline lowers such a document only for the
/// model's findings that a dropped value cannot cause.
pub fn parse_partial(source: &SourceFile) -> (Option<Document>, Vec<Diagnostic>) {
    let (root, errors) = DeTable::parse_recoverable(&source.text);
    if !errors.is_empty() {
        let diags = errors
            .iter()
            .take(10)
            .map(|e| {
                let span = e
                    .span()
                    .map(crate::source::Span::from)
                    .unwrap_or(crate::source::Span::new(0, 0));
                let message = e.message().trim_end().to_string();
                Diagnostic::new(
                    &codes::T001,
                    format!("TOML syntax error: {message}"),
                    span,
                    "here",
                )
                .help("fix the TOML syntax; see https://toml.io for the format")
            })
            .collect();
        return (None, diags);
    }
    let mut r = Reader::default();
    let root_value = toml::Spanned::new(
        0..source.text.len(),
        toml::de::DeValue::Table(root.into_inner()),
    );
    let doc = r
        .open(&spec::ROOT, &root_value, None, None)
        .and_then(|t| document(&mut r, &t));
    let mut diags = r.diags;
    crate::diag::sort(&mut diags);
    (doc, diags)
}

fn narrow<T: TryFrom<i64>>(v: Option<Sp<i64>>) -> Option<Sp<T>> {
    v.and_then(|s| T::try_from(s.value).ok().map(|x| Sp::new(x, s.span)))
}

fn document(r: &mut Reader, t: &Table<'_, '_>) -> Option<Document> {
    let version = r.int(t, "topoc");
    if let Some(v) = &version {
        if !spec::VERSIONS.contains(&v.value) {
            r.diags.push(
                Diagnostic::new(
                    &codes::T006,
                    format!("this topoc reads input language version 1, not {}", v.value),
                    v.span,
                    "unsupported version",
                )
                .help("write `topoc = 1`, or use a topoc that knows this version"),
            );
        }
    }
    let machine = r.table(t, "machine").and_then(|m| machine(r, &m));
    let node_tables = r.tables(t, "node");
    let nodes: Vec<Option<Node>> = node_tables.iter().map(|n| node(r, n)).collect();
    let devices: Vec<Option<Device>> = r.tables(t, "device").iter().map(|d| device(r, d)).collect();
    let links: Vec<Option<Link>> = r.tables(t, "link").iter().map(|l| link(r, l)).collect();
    let distances = match r.table(t, "distances") {
        Some(d) => distances(r, &d),
        None => Some(Distances::default()),
    };
    let hmat: Vec<Option<HmatEntry>> = r.tables(t, "hmat").iter().map(|h| hmat(r, h)).collect();
    let target = r.table(t, "target");
    let qemu = target
        .as_ref()
        .and_then(|tt| r.table(tt, "qemu"))
        .map(|q| qemu(r, &q))
        .unwrap_or_default();
    let ch = target
        .as_ref()
        .and_then(|tt| r.table(tt, "cloud-hypervisor"))
        .map(|c| cloud_hypervisor(r, &c))
        .unwrap_or_default();
    let lints = r.lints(t, "lints");
    let libvirt = target
        .as_ref()
        .and_then(|tt| r.table(tt, "libvirt"))
        .map(|c| libvirt(r, &c))
        .unwrap_or_default();
    Some(Document {
        version: version?,
        machine: machine?,
        nodes: nodes.into_iter().collect::<Option<_>>()?,
        devices: devices.into_iter().collect::<Option<_>>()?,
        links: links.into_iter().collect::<Option<_>>()?,
        distances: distances?,
        hmat: hmat.into_iter().collect::<Option<_>>()?,
        qemu,
        ch,
        lints,
        libvirt,
    })
}

fn machine(r: &mut Reader, t: &Table<'_, '_>) -> Option<Machine> {
    let name = r.name(t, "name");
    let description = r.str(t, "description");
    let arch = r.keyword(t, "arch", crate::kinds::Arch::parse);
    let cpus = match r.table(t, "cpus") {
        Some(c) => Cpus {
            span: Some(c.span),
            sockets: narrow(r.int(&c, "sockets")),
            dies: narrow(r.int(&c, "dies")),
            cores: narrow(r.int(&c, "cores")),
            threads: narrow(r.int(&c, "threads")),
            boot: narrow(r.int(&c, "boot")),
        },
        None => Cpus::default(),
    };
    let hmat = r.bool(t, "hmat");
    Some(Machine {
        span: t.span,
        name: name?,
        description,
        arch,
        cpus,
        hmat,
    })
}

fn node(r: &mut Reader, t: &Table<'_, '_>) -> Option<Node> {
    let id = narrow(r.int(t, "id"));
    let name = r.name(t, "name");
    let cpus = r.cpulist(t, "cpus");
    let memory = match r.table(t, "memory") {
        Some(m) => Some(memory(r, &m)?),
        None => None,
    };
    let initiator = r.reference(t, "initiator");
    Some(Node {
        span: t.span,
        id: id?,
        name,
        cpus,
        memory,
        initiator,
    })
}

fn memory(r: &mut Reader, t: &Table<'_, '_>) -> Option<Memory> {
    let size = r.size(t, "size");
    let kind = r.keyword(t, "kind", crate::kinds::MemKind::parse);
    let spm = match r.bool_or_tables(t, "spm") {
        reader::BoolOrTables::Bool(b) if b.value => Spm::Whole(b.span),
        reader::BoolOrTables::Bool(_) | reader::BoolOrTables::Absent => Spm::None,
        reader::BoolOrTables::Tables => {
            let parts: Vec<Option<SpmPart>> = r
                .tables(t, "spm")
                .iter()
                .map(|p| {
                    let offset = r.size(p, "offset");
                    let size = r.size(p, "size");
                    Some(SpmPart {
                        span: p.span,
                        offset,
                        size: size?,
                    })
                })
                .collect();
            let parts: Vec<SpmPart> = parts.into_iter().collect::<Option<_>>()?;
            if parts.is_empty() {
                Spm::None
            } else {
                Spm::Parts(parts)
            }
        }
        reader::BoolOrTables::Invalid => Spm::None,
    };
    let latency = r.latency(t, "latency");
    let bandwidth = r.bandwidth(t, "bandwidth");
    let shared = r.bool(t, "shared");
    let hugepages = r.bool_or_size(t, "hugepages");
    let path = r.path(t, "path");
    let host_nodes = r.cpulist(t, "host-nodes");
    let policy = r.keyword(t, "policy", crate::kinds::HostPolicy::parse);
    let prealloc = r.bool(t, "prealloc");
    let reserve = r.bool(t, "reserve");
    let caches: Vec<Option<Cache>> = r
        .tables(t, "cache")
        .iter()
        .map(|c| {
            let level = narrow(r.int(c, "level"));
            let size = r.size(c, "size");
            let associativity = r.keyword(c, "associativity", crate::kinds::Associativity::parse);
            let policy = r.keyword(c, "policy", crate::kinds::WritePolicy::parse);
            let line = narrow(r.int(c, "line"));
            Some(Cache {
                span: c.span,
                level: level?,
                size: size?,
                associativity,
                policy,
                line,
            })
        })
        .collect();
    Some(Memory {
        span: t.span,
        size: size?,
        kind,
        spm,
        latency,
        bandwidth,
        shared,
        hugepages,
        path,
        host_nodes,
        policy,
        prealloc,
        reserve,
        caches: caches.into_iter().collect::<Option<_>>()?,
    })
}

fn device(r: &mut Reader, t: &Table<'_, '_>) -> Option<Device> {
    let name = r.name(t, "name");
    let kind = r.keyword(t, "kind", crate::kinds::DeviceKind::parse);
    let host = r.pci(t, "host");
    let emulate = r.keyword(t, "emulate", crate::kinds::StandIn::parse);
    let guest_slot = narrow(r.int(t, "guest-slot"));
    let numa_node = r.reference(t, "numa-node");
    let initiator_nodes = r.references(t, "initiator-nodes");
    Some(Device {
        span: t.span,
        name: name?,
        kind,
        host,
        emulate,
        guest_slot,
        numa_node,
        initiator_nodes,
    })
}

fn link(r: &mut Reader, t: &Table<'_, '_>) -> Option<Link> {
    let from = r.reference(t, "from");
    let to = r.reference(t, "to");
    let kind = r.keyword(t, "kind", crate::kinds::LinkKind::parse);
    let latency = r.latency(t, "latency");
    let bandwidth = r.bandwidth(t, "bandwidth");
    let reverse_latency = r.latency(t, "reverse-latency");
    let reverse_bandwidth = r.bandwidth(t, "reverse-bandwidth");
    Some(Link {
        span: t.span,
        from: from?,
        to: to?,
        kind: kind?,
        latency: latency?,
        bandwidth,
        reverse_latency,
        reverse_bandwidth,
    })
}

fn distances(r: &mut Reader, t: &Table<'_, '_>) -> Option<Distances> {
    let asymmetric = r.bool(t, "asymmetric");
    let reference_latency = r.latency(t, "reference-latency");
    let pairs: Vec<Option<DistancePair>> = r
        .tables(t, "pair")
        .iter()
        .map(|p| {
            let from = r.reference(p, "from");
            let to = r.reference(p, "to");
            let value = narrow(r.int(p, "value"));
            Some(DistancePair {
                span: p.span,
                from: from?,
                to: to?,
                value: value?,
            })
        })
        .collect();
    Some(Distances {
        span: Some(t.span),
        asymmetric,
        reference_latency,
        pairs: pairs.into_iter().collect::<Option<_>>()?,
    })
}

fn hmat(r: &mut Reader, t: &Table<'_, '_>) -> Option<HmatEntry> {
    let initiator = r.reference(t, "initiator");
    let target = r.reference(t, "target");
    let latency = r.latency(t, "latency");
    let read_latency = r.latency(t, "read-latency");
    let write_latency = r.latency(t, "write-latency");
    let bandwidth = r.bandwidth(t, "bandwidth");
    let read_bandwidth = r.bandwidth(t, "read-bandwidth");
    let write_bandwidth = r.bandwidth(t, "write-bandwidth");
    Some(HmatEntry {
        span: t.span,
        initiator: initiator?,
        target: target?,
        latency,
        read_latency,
        write_latency,
        bandwidth,
        read_bandwidth,
        write_bandwidth,
    })
}

fn qemu(r: &mut Reader, t: &Table<'_, '_>) -> QemuSettings {
    QemuSettings {
        span: Some(t.span),
        version: r.keyword(t, "version", crate::kinds::QemuVersion::parse),
        machine: r.keyword(t, "machine", crate::kinds::QemuMachine::parse),
        spm: r.keyword(t, "spm", crate::kinds::SpmDialect::parse),
        firmware: r.keyword(t, "firmware", crate::kinds::Firmware::parse),
        cpu_model: r.str(t, "cpu-model"),
        gic_version: r.keyword(t, "gic-version", crate::kinds::GicVersion::parse),
        acpi_table_upgrade: r.bool(t, "acpi-table-upgrade"),
        mmio64_size: r.size(t, "mmio64-size"),
        max_ram_below_4g: r.size(t, "max-ram-below-4g"),
        memory_slots: narrow(r.int(t, "memory-slots")),
        max_memory: r.size(t, "max-memory"),
    }
}

fn libvirt(r: &mut Reader, t: &Table<'_, '_>) -> LibvirtSettings {
    LibvirtSettings {
        version: r.keyword(t, "version", crate::kinds::LibvirtVersion::parse),
        domain_type: r.keyword(t, "domain-type", crate::kinds::LibvirtDomainType::parse),
        kernel: r.str(t, "kernel"),
        initrd: r.str(t, "initrd"),
        cmdline: r.str(t, "cmdline"),
        console: r.str(t, "console"),
        fallback: r.bool(t, "fallback"),
    }
}

fn cloud_hypervisor(r: &mut Reader, t: &Table<'_, '_>) -> ChSettings {
    ChSettings {
        span: Some(t.span),
        version: r.keyword(t, "version", crate::kinds::ChVersion::parse),
        boot: r.keyword(t, "boot", crate::kinds::ChBoot::parse),
        kernel: r.path(t, "kernel"),
        initramfs: r.path(t, "initramfs"),
        cmdline: r.str(t, "cmdline"),
        firmware: r.path(t, "firmware"),
        fallback: r.bool(t, "fallback"),
    }
}
