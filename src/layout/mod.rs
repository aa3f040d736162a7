//! Stage 4, `layout`: guest-physical addresses per target.
//!
//! A target's layout says where every node's memory lands, which E820 map the
//! VMM hands the firmware, and where devices sit. [`firmware`] then predicts
//! the map the guest kernel receives after the firmware rewrote it.
//!
//! **Architecture invariant:** layouts are total functions of a lowered IR and
//! a target profile: they never fail. Targets differ only here and in their
//! emitters.

pub mod cloud_hypervisor;
pub mod firmware;
pub mod hmat;
pub mod qemu;
pub mod qom;

/// `[start, start + size)` in guest-physical address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region {
    pub start: u64,
    pub size: u64,
}

impl Region {
    pub fn new(start: u64, size: u64) -> Region {
        Region { start, size }
    }

    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.size)
    }

    pub fn overlaps(&self, o: &Region) -> bool {
        self.start < o.end() && o.start < self.end()
    }
}

impl serde::Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Region", 3)?;
        st.serialize_field("start", &format!("{:#x}", self.start))?;
        st.serialize_field(
            "end_inclusive",
            &format!("{:#x}", self.end().saturating_sub(1)),
        )?;
        st.serialize_field("size", &self.size)?;
        st.end()
    }
}
