//! Inputs that are wrong on purpose and large, for the tests and benches of
//! topoc's bounds: how much it reads, renders and allocates on any input.
//! Each is deterministic and says what topoc must find in it.

/// A machine of `n` single-CPU nodes (`n0` … `n{n-1}`, one socket each),
/// and its `[[link]]` tables, to which the callers add links.
fn nodes(n: usize) -> String {
    let mut s =
        format!("topoc = 1\n[machine]\nname = \"hostile\"\n[machine.cpus]\nsockets = {n}\n");
    for i in 0..n {
        s.push_str(&format!(
            "[[node]]\nid = {i}\nname = \"n{i}\"\ncpus = \"{i}\"\nmemory = {{ size = \"1GiB\" }}\n"
        ));
    }
    s
}

fn link(s: &mut String, a: usize, b: usize) {
    s.push_str(&format!(
        "[[link]]\nfrom = \"n{a}\"\nto = \"n{b}\"\nkind = \"upi\"\nlatency = \"100ns\"\n"
    ));
}

/// `n` nodes in a chain of 100 ns links (a ring when `ring`). With the
/// reference latency of 100 ns, a path of more than 24 links derives a
/// distance above 254: from every node of a chain of more than 26, some
/// node is too far (T051, one finding per node).
pub fn chain(n: usize, ring: bool) -> String {
    let mut s = nodes(n);
    for i in 1..n {
        link(&mut s, i - 1, i);
    }
    if ring && n > 2 {
        link(&mut s, n - 1, 0);
    }
    s
}

/// `n` nodes in a ring, each link given `copies` times: `n × (copies − 1)`
/// second links (T082, each labelled at the first link, far up the file).
pub fn duplicate_links(n: usize, copies: usize) -> String {
    let mut s = nodes(n);
    for _ in 0..copies {
        for i in 0..n {
            link(&mut s, i, (i + 1) % n);
        }
    }
    s
}

/// A two-node machine whose first node's memory table holds `columns`
/// blanks and then, on the same line, an unknown key (T002, the only
/// finding): its label is past column `columns`. Returns the text and the
/// byte offset of the unknown key.
pub fn long_line(columns: usize) -> (String, usize) {
    let blanks = " ".repeat(columns);
    let head = format!(
        "topoc = 1\n[machine]\nname = \"long\"\n[machine.cpus]\nsockets = 2\n[[node]]\nid = 0\ncpus = \"0\"\nmemory = {{{blanks}size = \"1GiB\", bogus = 1 }}\n"
    );
    let at = head.find("bogus").expect("written above");
    let s = head + "[[node]]\nid = 1\ncpus = \"1\"\nmemory = { size = \"1GiB\" }\n";
    (s, at)
}

/// A guest dump whose nodes section has `sections` `## nodeN` headers (N
/// from 0), each with a CPU list of `cpus` CPUs.
pub fn dump_many_nodes(sections: usize, cpus: usize) -> String {
    let mut s = String::from("=====TOPOC-DUMP-BEGIN v1=====\n### nodes\n");
    for i in 0..sections {
        s.push_str(&format!("## node{i}\ncpulist: 0-{}\n", cpus.max(1) - 1));
    }
    s.push_str("=====TOPOC-DUMP-END=====\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let c = chain(4, true);
        assert_eq!(c.matches("[[node]]").count(), 4);
        assert_eq!(c.matches("[[link]]").count(), 4);
        assert_eq!(chain(4, false).matches("[[link]]").count(), 3);
        assert_eq!(duplicate_links(5, 3).matches("[[link]]").count(), 15);
        let (s, at) = long_line(100);
        assert!(s[at..].starts_with("bogus"));
        assert!(at - s[..at].rfind('\n').unwrap() > 100);
        assert_eq!(dump_many_nodes(3, 8).matches("cpulist: 0-7").count(), 3);
    }
}
