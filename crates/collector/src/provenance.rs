//! Where and when a trace was taken: host, OS, CPU, affinity, governor, virtualisation,
//! and the collector's context switches. Everything is best effort: what the platform does
//! not expose stays `None`.

use kqent_trace::Provenance;

/// Provenance known at the start of a collection (context switches are added at the end):
/// kqent's one reader of the machine's facts (host, kernel, CPU, ...), also used for the
/// provenance of analysis results.
pub fn gather() -> Provenance {
    let mut p = Provenance {
        os: Some(std::env::consts::OS.to_string()),
        start_time: Some(kqent_trace::rfc3339(std::time::SystemTime::now())),
        ..Provenance::default()
    };
    if let Some(u) = uname() {
        p.host = Some(u.nodename);
        p.kernel = Some(u.release);
        p.extra.insert("kernel_version".into(), u.version);
        p.extra.insert("machine".into(), u.machine);
    }
    p.cpu_model = cpu_model();
    p.cpu_affinity = cpu_affinity();
    p.scaling_governor = read_trimmed("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    p.virtualization = virtualization();
    if let Some(pretty) = os_release() {
        p.extra.insert("os_release".into(), pretty);
    }
    p
}

struct Uname {
    nodename: String,
    release: String,
    version: String,
    machine: String,
}

fn uname() -> Option<Uname> {
    // SAFETY: utsname is plain data; uname fills it with NUL-terminated strings.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is valid and writable.
    if unsafe { libc::uname(&mut u) } != 0 {
        return None;
    }
    let s = |f: &[libc::c_char]| -> String {
        // The fields are NUL-terminated within their arrays (uname guarantees it).
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Some(Uname {
        nodename: s(&u.nodename),
        release: s(&u.release),
        version: s(&u.version),
        machine: s(&u.machine),
    })
}

fn read_trimmed(path: &str) -> Option<String> {
    let s = std::fs::read_to_string(path).ok()?;
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The value of the first `key : value` line of /proc/cpuinfo whose key is `key`.
#[cfg(target_os = "linux")]
fn cpuinfo_field(cpuinfo: &str, key: &str) -> Option<String> {
    cpuinfo.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

#[cfg(target_os = "linux")]
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    // x86 says "model name"; many ARM kernels only "Hardware" or "CPU part".
    [
        "model name",
        "Hardware",
        "Processor",
        "cpu model",
        "CPU part",
    ]
    .iter()
    .find_map(|k| cpuinfo_field(&info, k))
}

#[cfg(any(target_os = "macos", target_os = "freebsd"))]
fn sysctl_string(name: &str) -> Option<String> {
    let cname = std::ffi::CString::new(name).ok()?;
    let mut len: libc::size_t = 0;
    // SAFETY: a size query: null buffer, valid length pointer.
    let rc = unsafe {
        libc::sysctlbyname(
            cname.as_ptr(),
            std::ptr::null_mut::<libc::c_void>(),
            &mut len,
            std::ptr::null_mut::<libc::c_void>(),
            0,
        )
    };
    if rc != 0 || len == 0 {
        return None;
    }
    let mut buf = vec![0u8; len];
    // SAFETY: `buf` is writable for `len` bytes.
    let rc = unsafe {
        libc::sysctlbyname(
            cname.as_ptr(),
            buf.as_mut_ptr().cast::<libc::c_void>(),
            &mut len,
            std::ptr::null_mut::<libc::c_void>(),
            0,
        )
    };
    if rc != 0 {
        return None;
    }
    buf.truncate(len);
    let s = std::ffi::CStr::from_bytes_until_nul(&buf)
        .ok()?
        .to_string_lossy()
        .trim()
        .to_string();
    (!s.is_empty()).then_some(s)
}

#[cfg(target_os = "macos")]
fn cpu_model() -> Option<String> {
    sysctl_string("machdep.cpu.brand_string")
}

#[cfg(target_os = "freebsd")]
fn cpu_model() -> Option<String> {
    sysctl_string("hw.model")
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "freebsd")))]
fn cpu_model() -> Option<String> {
    None
}

#[cfg(target_os = "linux")]
fn cpu_affinity() -> Option<Vec<u32>> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is valid and its size is passed.
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return None;
    }
    let max = 8 * std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: CPU_ISSET reads the set for indices below its capacity.
    Some(
        (0..max)
            .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
            .map(|c| c as u32)
            .collect(),
    )
}

#[cfg(not(target_os = "linux"))]
fn cpu_affinity() -> Option<Vec<u32>> {
    None
}

/// Maps a DMI system vendor / product to a hypervisor name.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn vendor_to_virt(s: &str) -> Option<&'static str> {
    let s = s.to_ascii_lowercase();
    [
        ("qemu", "qemu"),
        ("kvm", "kvm"),
        ("vmware", "vmware"),
        ("innotek", "virtualbox"),
        ("virtualbox", "virtualbox"),
        ("xen", "xen"),
        ("microsoft corporation", "microsoft"),
        ("amazon ec2", "amazon"),
        ("google", "google"),
        ("parallels", "parallels"),
        ("bochs", "bochs"),
        ("bhyve", "bhyve"),
    ]
    .iter()
    .find(|(k, _)| s.contains(k))
    .map(|(_, v)| *v)
}

#[cfg(target_os = "linux")]
fn virtualization() -> Option<String> {
    for f in [
        "/sys/class/dmi/id/sys_vendor",
        "/sys/class/dmi/id/product_name",
    ] {
        if let Some(v) = read_trimmed(f).as_deref().and_then(vendor_to_virt) {
            return Some(v.to_string());
        }
    }
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let hypervisor = cpuinfo_field(&info, "flags")
        .is_some_and(|f| f.split_whitespace().any(|x| x == "hypervisor"));
    hypervisor.then(|| "unknown hypervisor".to_string())
}

#[cfg(target_os = "macos")]
fn virtualization() -> Option<String> {
    let mut v: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>();
    let name = c"kern.hv_vmm_present";
    // SAFETY: `v` is writable for `len` bytes.
    let rc = unsafe {
        libc::sysctlbyname(
            name.as_ptr(),
            (&mut v as *mut libc::c_int).cast::<libc::c_void>(),
            &mut len,
            std::ptr::null_mut::<libc::c_void>(),
            0,
        )
    };
    (rc == 0 && v != 0).then(|| "unknown hypervisor".to_string())
}

#[cfg(target_os = "freebsd")]
fn virtualization() -> Option<String> {
    sysctl_string("kern.vm_guest").filter(|s| s != "none")
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "freebsd")))]
fn virtualization() -> Option<String> {
    None
}

fn os_release() -> Option<String> {
    let s = std::fs::read_to_string("/etc/os-release").ok()?;
    s.lines().find_map(|l| {
        let v = l.strip_prefix("PRETTY_NAME=")?;
        Some(v.trim_matches('"').to_string())
    })
}

/// Voluntary and involuntary context switches so far: of the calling thread on Linux
/// (RUSAGE_THREAD), of the process elsewhere.
pub(crate) fn ctx_switches() -> Option<(u64, u64)> {
    #[cfg(target_os = "linux")]
    let who = libc::RUSAGE_THREAD;
    #[cfg(not(target_os = "linux"))]
    let who = libc::RUSAGE_SELF;
    // SAFETY: rusage is plain data, filled by getrusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is valid and writable.
    if unsafe { libc::getrusage(who, &mut ru) } != 0 {
        return None;
    }
    Some((ru.ru_nvcsw as u64, ru.ru_nivcsw as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_the_basics() {
        let p = gather();
        assert_eq!(p.os.as_deref(), Some(std::env::consts::OS));
        assert!(p.host.is_some() && p.kernel.is_some());
        assert!(p.start_time.as_deref().is_some_and(|t| t.ends_with('Z')));
        #[cfg(target_os = "linux")]
        {
            let aff = p.cpu_affinity.unwrap();
            assert!(!aff.is_empty());
            assert!(aff.windows(2).all(|w| w[0] < w[1]));
        }
        let (v0, _) = ctx_switches().unwrap();
        std::thread::yield_now();
        let (v1, _) = ctx_switches().unwrap();
        assert!(v1 >= v0);
    }

    #[test]
    fn vendors() {
        assert_eq!(vendor_to_virt("QEMU"), Some("qemu"));
        assert_eq!(vendor_to_virt("innotek GmbH"), Some("virtualbox"));
        assert_eq!(vendor_to_virt("Dell Inc."), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn cpuinfo_parsing() {
        let info = "processor\t: 0\nmodel name\t: Fancy CPU @ 3GHz\nflags\t\t: fpu hypervisor\n";
        assert_eq!(
            cpuinfo_field(info, "model name").as_deref(),
            Some("Fancy CPU @ 3GHz")
        );
        assert!(cpuinfo_field(info, "Hardware").is_none());
    }
}
