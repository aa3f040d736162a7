//! What a guest reports about itself: the dump the probe script
//! (`src/probe/`, `topoc probe-script`) prints inside a running guest, read
//! back into types for `verify` and the tests.
//!
//! How the guest kernel came to show what it shows is modelled in
//! [`crate::linux`]; the binary formats topoc writes have their decoders
//! beside their encoders ([`crate::acpi`], [`crate::e820`]).

pub mod dump;
