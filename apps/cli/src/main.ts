#!/usr/bin/env node
console.log('fmnist: under construction');
