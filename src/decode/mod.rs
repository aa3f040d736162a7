//! `topoc inspect`: describes the binary files topoc writes (ACPI tables,
//! E820 maps) and the tables a guest dump holds, with the decoders of
//! [`crate::acpi`], [`crate::e820`] and [`crate::guest::dump`].

pub mod inspect;
