//! This process's threads as Linux's `/proc/self/task` shows them: their
//! names, and what they cost.

#![allow(dead_code)]

use std::fs;

/// The names of this process's threads.
pub fn threads() -> Vec<String> {
    fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect()
}

/// The threads of a watch: staid's are `staid-*`; notify's are
/// `notify-rs ...` (the kernel keeps the first 15 bytes of a name).
pub fn watch_threads() -> Vec<String> {
    threads()
        .into_iter()
        .filter(|name| is_watch(name))
        .collect()
}

pub fn is_watch(name: &str) -> bool {
    name.starts_with("staid-") || name.starts_with("notify-rs")
}

/// CPU time (user + system, in clock ticks) and context switches
/// (voluntary: the thread slept and was woken) of the threads whose names
/// pass `which`. A thread that ends while it is read is left out.
pub fn cost(which: impl Fn(&str) -> bool) -> (u64, u64) {
    let (mut ticks, mut wakeups) = (0, 0);
    for task in fs::read_dir("/proc/self/task").unwrap() {
        let task = task.unwrap().path();
        let Ok(name) = fs::read_to_string(task.join("comm")) else {
            continue;
        };
        if !which(name.trim()) {
            continue;
        }
        let (Ok(stat), Ok(status)) = (
            fs::read_to_string(task.join("stat")),
            fs::read_to_string(task.join("status")),
        ) else {
            continue;
        };
        // After the name in parentheses: state is field 3, utime 14, stime 15.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        ticks += fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        wakeups += status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap();
    }
    (ticks, wakeups)
}
