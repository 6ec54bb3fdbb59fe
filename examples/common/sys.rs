//! The entry point and the two system calls the `no_main` examples need
//! (`examples/kernel`, `examples/embassy_sensor`), written once: each includes this
//! file as its `sys` module (`#[path]`) and defines `fn entry() -> i32`, which the
//! entry point runs and whose value is the exit status.
//!
//! On an x86_64 Linux host: `_start`, `write(1, ..)` and `exit_group`, with inline
//! assembly. On bare metal (`target_os = "none"`): a reset entry that runs `entry` and
//! then waits forever; output goes nowhere.

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod imp {
    //! The entry point and two system calls, for x86_64 Linux.

    // The process starts at `_start` with the stack 16-byte aligned and no return
    // address: align it as a call expects and call `host_main`, which never returns.
    core::arch::global_asm!(
        ".globl _start",
        "_start:",
        "xor ebp, ebp",
        "and rsp, -16",
        "call {main}",
        "ud2",
        main = sym host_main,
    );

    extern "C" fn host_main() -> ! {
        exit(crate::entry())
    }

    /// `write(1, bytes)`, all of it.
    pub(crate) fn write(mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n: isize;
            // SAFETY: `write` (system call 1) reads `len` bytes from `ptr`, a valid
            // slice; the kernel clobbers only rcx and r11, declared.
            unsafe {
                core::arch::asm!(
                    "syscall",
                    inlateout("rax") 1isize => n,
                    in("rdi") 1usize,
                    in("rsi") bytes.as_ptr(),
                    in("rdx") bytes.len(),
                    lateout("rcx") _,
                    lateout("r11") _,
                    options(nostack),
                );
            }
            if n <= 0 {
                return;
            }
            bytes = bytes.get(n as usize..).unwrap_or_default();
        }
    }

    /// `exit_group(code)`.
    pub(crate) fn exit(code: i32) -> ! {
        // SAFETY: `exit_group` (system call 231) ends the process; it never returns.
        unsafe {
            core::arch::asm!(
                "syscall",
                in("rax") 231usize,
                in("rdi") code as isize,
                options(noreturn, nostack),
            );
        }
    }
}

#[cfg(target_os = "none")]
mod imp {
    //! Bare metal: the reset entry runs the boot and then waits forever.

    #[unsafe(no_mangle)]
    extern "C" fn _start() -> ! {
        let status = crate::entry();
        exit(status)
    }

    pub(crate) fn write(_: &[u8]) {}

    pub(crate) fn exit(_: i32) -> ! {
        loop {
            core::hint::spin_loop();
        }
    }
}

pub(crate) use imp::{exit, write};
