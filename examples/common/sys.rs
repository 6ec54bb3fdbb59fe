//! The entry point and the two system calls the `no_main` examples need
//! (`examples/kernel`, `examples/embassy_sensor`), written once: each includes this
//! file as its `sys` module (`#[path]`) and defines `fn entry() -> i32`, which the
//! entry point runs and whose value is the exit status.
//!
//! On an x86_64 Linux host: `_start`, `write(1, ..)` and `exit_group`, with inline
//! assembly. On bare metal (`target_os = "none"`): a reset entry that runs `entry` and
//! then waits forever; output goes nowhere. On bare metal with the example's `qemu`
//! feature: a Cortex-M vector table and reset handler for `examples/bare/link.x` (the
//! MPS2-AN386 memory map), and output and exit status through semihosting, so that
//! `qemu-system-arm -machine mps2-an386 -semihosting-config enable=on` runs it
//! (`.ci/qemu`).

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

#[cfg(all(target_os = "none", not(feature = "qemu")))]
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

#[cfg(all(target_os = "none", feature = "qemu"))]
mod imp {
    //! Cortex-M under QEMU: vector table, reset handler, semihosting.

    // The reset handler: zero .bss, copy .data, enable the FPU (CP10/CP11), run the
    // program (`examples/bare/src/main.rs` has the same, commented).
    core::arch::global_asm!(
        ".section .text.Reset, \"ax\", %progbits",
        ".global Reset",
        ".type Reset, %function",
        ".thumb_func",
        "Reset:",
        "    ldr r0, =_sbss",
        "    ldr r1, =_ebss",
        "    movs r2, #0",
        "1:  cmp r0, r1",
        "    bhs 2f",
        "    str r2, [r0], #4",
        "    b 1b",
        "2:  ldr r0, =_sdata",
        "    ldr r1, =_edata",
        "    ldr r2, =_sidata",
        "3:  cmp r0, r1",
        "    bhs 4f",
        "    ldr r3, [r2], #4",
        "    str r3, [r0], #4",
        "    b 3b",
        "4:  ldr r0, =0xE000ED88",
        "    ldr r1, [r0]",
        "    orr r1, r1, #(0xF << 20)",
        "    str r1, [r0]",
        "    dsb",
        "    isb",
        "    bl {main}",
        "    udf #0",
        ".ltorg",
        ".size Reset, . - Reset",
        main = sym qemu_main,
    );

    unsafe extern "C" {
        fn Reset() -> !;
    }

    extern "C" fn qemu_main() -> ! {
        exit(crate::entry())
    }

    /// Every exception but reset (a fault): ends the run with a failure.
    extern "C" fn fault() {
        write(b"fault\n");
        exit(1)
    }

    #[unsafe(link_section = ".vector_table.reset_vector")]
    #[used]
    static RESET_VECTOR: unsafe extern "C" fn() -> ! = Reset;

    #[unsafe(link_section = ".vector_table.exceptions")]
    #[used]
    static EXCEPTIONS: [Option<extern "C" fn()>; 14] = {
        const H: Option<extern "C" fn()> = Some(fault);
        [H, H, H, H, H, None, None, None, None, H, H, None, H, H]
    };

    /// A semihosting call: operation in r0, argument in r1, result in r0.
    ///
    /// # Safety
    ///
    /// `arg` must be what the operation expects; only under QEMU with semihosting on
    /// (or a debugger): elsewhere `bkpt` faults.
    unsafe fn semihost(op: usize, arg: usize) -> usize {
        let r;
        // SAFETY: the caller's contract; `bkpt 0xab` is the Thumb semihosting trap.
        unsafe {
            core::arch::asm!("bkpt #0xab", inout("r0") op => r, in("r1") arg, options(nostack))
        };
        r
    }

    /// Semihosting `SYS_WRITE0`, 63 bytes at a time (NUL-terminated copies).
    pub(crate) fn write(bytes: &[u8]) {
        for chunk in bytes.chunks(63) {
            let mut line = [0u8; 64];
            line[..chunk.len()].copy_from_slice(chunk);
            // SAFETY: SYS_WRITE0 (4) reads the NUL-terminated string at r1 (`line`
            // ends in at least one zero byte).
            unsafe { semihost(0x04, line.as_ptr() as usize) };
        }
    }

    /// Semihosting `SYS_EXIT`: QEMU exits with status 0 for
    /// `ADP_Stopped_ApplicationExit`, 1 for any other reason.
    pub(crate) fn exit(code: i32) -> ! {
        let reason = if code == 0 { 0x2_0026 } else { 0x2_0024 };
        // SAFETY: SYS_EXIT (0x18) takes the reason code in r1.
        unsafe { semihost(0x18, reason) };
        loop {
            core::hint::spin_loop();
        }
    }
}

pub(crate) use imp::{exit, write};
