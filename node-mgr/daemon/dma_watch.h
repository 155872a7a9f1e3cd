/* The reader of node0's kernel log that turns blocked DMAs of a node's
 * devices into events (dma_watch.c). */
#ifndef SHOJI_DAEMON_DMA_WATCH_H
#define SHOJI_DAEMON_DMA_WATCH_H

/* A thread; its argument is the manager */
void *dma_fault_watcher(void *arg);

#endif
