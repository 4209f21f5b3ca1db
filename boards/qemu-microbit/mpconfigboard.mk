# Start from the qemu port's boards/MICROBIT (MicroPython 1.25.0).
QEMU_ARCH = arm
QEMU_MACHINE = microbit
QEMU_ARGS += -global nrf51-soc.flash-size=1048576 -global nrf51-soc.sram-size=262144

CFLAGS += -mthumb -mcpu=cortex-m0 -mfloat-abi=soft
CFLAGS += -DQEMU_SOC_NRF51
CFLAGS += -DMICROPY_HW_MCU_NAME='"nRF51"'

LDSCRIPT = mcu/arm/nrf51.ld

SRC_BOARD_O = shared/runtime/gchelper_native.o shared/runtime/gchelper_thumb1.o

MPY_CROSS_FLAGS += -march=armv7m

# FAT support, so that the frozen ramfs module can mount a RAM disk at / and
# mpremote can copy files onto the board.  The port has no real-time clock,
# hence NORTC; RPATH=2 gives os.chdir and os.getcwd, which mpremote uses.
MICROPY_VFS_FAT = 1
CFLAGS += -DMICROPY_FATFS_NORTC=1 -DMICROPY_FATFS_RPATH=2
CFLAGS += -DMICROPY_FATFS_ENABLE_LFN=1 -DMICROPY_FATFS_MAX_SS=512
SRC_C += shared/timeutils/timeutils.c

# A small heap, as on a real microcontroller: 96 KiB for programs plus the
# 128 KiB RAM disk (see BOARD_SETUP in board.mk), of the machine's 256 KiB RAM.
# budgetkernel itself takes about 6 KiB frozen and 14 KiB from its .mpy; the
# suite, with the reference model and the trace generator, needs the rest.
MICROPY_HEAP_SIZE = 229376
