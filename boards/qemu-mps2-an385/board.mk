# MicroPython's qemu port on the MPS2-AN385 machine (Cortex-M3), using the
# mpconfigboard.mk in this folder in place of the port's boards/MPS2_AN385.
BOARD_PORT = qemu
BOARD_OUTPUT = firmware.elf
BOARD_MAKE_ARGS = BOARD=MPS2_AN385 BOARD_DIR=$(CURDIR)/boards/qemu-mps2-an385
BOARD_QEMU = qemu-system-arm -machine mps2-an385
BOARD_DEBS = gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
# Run once after boot: the board has no flash filesystem, so give it a 256 KiB
# RAM disk (mpconfigboard.mk makes the heap that much larger).
BOARD_SETUP = import ramfs; ramfs.mount(256)
# make test also replays the differential calls here (make device-diff).
BOARD_DIFF = yes
# make test also installs the module with mpremote mip here (make device-mip).
BOARD_MIP = yes
