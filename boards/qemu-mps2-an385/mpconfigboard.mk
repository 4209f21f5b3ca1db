# Start from the qemu port's boards/MPS2_AN385 (MicroPython 1.25.0).
QEMU_ARCH = arm
QEMU_MACHINE = mps2-an385

CFLAGS += -mthumb -mcpu=cortex-m3 -mfloat-abi=soft
CFLAGS += -DQEMU_SOC_MPS2
CFLAGS += -DMICROPY_HW_MCU_NAME='"Cortex-M3"'

LDSCRIPT = mcu/arm/mps2.ld

SRC_BOARD_O = shared/runtime/gchelper_native.o shared/runtime/gchelper_thumb2.o

MPY_CROSS_FLAGS += -march=armv7m

# FAT support, so that the frozen ramfs module can mount a RAM disk at / and
# mpremote can copy files onto the board.  The port has no real-time clock,
# hence NORTC; RPATH=2 gives os.chdir and os.getcwd, which mpremote uses.
MICROPY_VFS_FAT = 1
CFLAGS += -DMICROPY_FATFS_NORTC=1 -DMICROPY_FATFS_RPATH=2
CFLAGS += -DMICROPY_FATFS_ENABLE_LFN=1 -DMICROPY_FATFS_MAX_SS=512
SRC_C += shared/timeutils/timeutils.c

# The RAM disk lives in the heap, so the heap grows by the disk's 384 KiB (see
# BOARD_SETUP in board.mk) and programs still get the port's default 140 KiB.
MICROPY_HEAP_SIZE = 536576
