//! `topoc-testgen NODES [SEED] [--host-devices]`: print one generated
//! topology, for scripts (scripts/bench.sh times topoc on them) and for
//! looking at what the property tests feed topoc. `--host-devices` passes
//! the GPUs through instead of emulating them (for cloud-hypervisor).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let devices = if let Some(i) = args.iter().position(|a| a == "--host-devices") {
        args.remove(i);
        topoc_testgen::Devices::Host
    } else {
        topoc_testgen::Devices::StandIn
    };
    let nodes = args.first().and_then(|a| a.parse::<usize>().ok());
    let seed = match args.get(1) {
        None => Some(1),
        Some(s) => s.parse::<u64>().ok(),
    };
    match (nodes, seed) {
        (Some(n), Some(seed)) if (2..=topoc_testgen::MAX_NODES).contains(&n) && args.len() <= 2 => {
            print!("{}", topoc_testgen::generate_with(n, seed, devices).toml);
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "usage: topoc-testgen NODES [SEED] [--host-devices]   (NODES from 2 to {})",
                topoc_testgen::MAX_NODES
            );
            ExitCode::from(2)
        }
    }
}
