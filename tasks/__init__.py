"""Huey tasks (message processing, replies, emission, polling, sweeper); imported by web and worker alike."""
